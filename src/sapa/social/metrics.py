"""Metrics of published variants: fetched from the networks, or imported from CSV exports.

`import_meta_csv()` reads a Meta Business Suite export (Facebook or Instagram
"content" export, in English or Indonesian) and matches its rows to the
library's published variants by post id or permalink. The import lands
whole or not at all; rows that match no variant are listed, not guessed.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sapa.social.connectors import AuthError, ConnectorError, RetryableError, get_connector
from sapa.social.models import ChannelStatus, MetricsSource, PostMetrics, PostVariant, VariantState
from sapa.social.publishing import mark_needs_reconnect

log = logging.getLogger("sapa.social")


def fetch_for_variant(variant: PostVariant) -> PostMetrics | None:
    """Fetch and store one variant's metrics now (None when the network offers none)."""
    if variant.channel.is_manual or not variant.external_id:
        return None
    with get_connector(variant.channel) as connector:
        data = connector.fetch_metrics(variant)
    if data is None:
        return None
    return PostMetrics.objects.create(
        variant=variant, source=MetricsSource.API, reach=data.reach, impressions=data.impressions,
        likes=data.likes, comments=data.comments, shares=data.shares, clicks=data.clicks)


def fetch_recent(days: int = 30) -> dict:
    """Fetch the metrics of every variant published in the last `days` days (the daily job).

    Failures are handled as publishing handles them: a refused token (401, Graph
    code 190, a refused X refresh) marks the channel "needs reconnecting" (its
    admins emailed once) and its other variants are skipped; a 429 skips the
    rest of that channel until tomorrow; a 5xx or a refusal skips one variant.
    Channels that already need reconnecting are not asked.
    """
    since = timezone.now() - timedelta(days=days)
    done = failed = 0
    stopped: set[int] = set()
    variants = PostVariant.objects.filter(
        state=VariantState.PUBLISHED, published_at__gte=since, channel__status=ChannelStatus.OK,
        channel__is_active=True).exclude(external_id="").select_related("channel").order_by("channel_id", "id")
    for variant in variants.iterator():
        if variant.channel.is_manual or variant.channel_id in stopped:
            continue
        try:
            if fetch_for_variant(variant):
                done += 1
        except AuthError as exc:
            failed += 1
            stopped.add(variant.channel_id)
            mark_needs_reconnect(variant.channel, exc.message)
        except RetryableError as exc:
            failed += 1
            if exc.status == 429:
                stopped.add(variant.channel_id)
            log.info("metrics of variant %s not fetched (tried again tomorrow): %s", variant.pk, exc)
        except (ConnectorError, ValueError) as exc:
            failed += 1
            log.info("metrics of variant %s not fetched: %s", variant.pk, exc)
    return {"fetched": done, "failed": failed}


def latest(variant: PostVariant) -> PostMetrics | None:
    return variant.metrics.order_by("-fetched_at", "-id").first()


def engagement_rate_for_channel(channel, since=None) -> float | None:
    """Interactions / reach over the channel's published variants (latest metrics of each)."""
    variants = PostVariant.objects.filter(channel=channel, state=VariantState.PUBLISHED)
    if since:
        variants = variants.filter(published_at__gte=since)
    reach = interactions = 0
    for variant in variants:
        row = latest(variant)
        if row and row.reach:
            reach += row.reach
            interactions += row.interactions
    return interactions / reach if reach else None


def totals(variants) -> dict:
    """Sums over the latest metrics rows of `variants` (for a channel overview)."""
    ids = [latest(v).pk for v in variants if latest(v)]
    return PostMetrics.objects.filter(pk__in=ids).aggregate(
        reach=Sum("reach"), likes=Sum("likes"), comments=Sum("comments"), shares=Sum("shares"),
        clicks=Sum("clicks"))


# --- Meta Business Suite CSV --------------------------------------------------------------------

# Column names as Meta writes them, in English and Indonesian; compared case-insensitively.
COLUMNS = {
    "post_id": ["post id", "id postingan", "id kiriman", "media id"],
    "permalink": ["permalink", "tautan permanen"],
    "reach": ["reach", "jangkauan", "accounts reached"],
    "impressions": ["impressions", "tayangan", "views", "impresi"],
    "likes": ["likes", "reactions", "suka", "reaksi", "tanda suka"],
    "comments": ["comments", "komentar"],
    "shares": ["shares", "berbagi", "dibagikan", "bagikan"],
    "clicks": ["total clicks", "link clicks", "clicks", "total klik", "klik tautan", "klik"],
}


@dataclass
class ImportResult:
    imported: int = 0
    unmatched: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class CsvImportError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _columns(header: list[str]) -> dict[str, int]:
    lowered = [h.strip().lstrip("\ufeff").casefold() for h in header]
    found = {}
    for key, names in COLUMNS.items():
        for name in names:
            if name in lowered:
                found[key] = lowered.index(name)
                break
    return found


def _number(value: str) -> int | None:
    value = (value or "").strip().replace("\u00a0", "").replace(" ", "")
    if value in ("", "-"):
        return None
    digits = value.replace(",", "").replace(".", "")
    if not digits.isdigit():
        raise ValueError(value)
    return int(digits)


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252 (Excel's "CSV" on Windows)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def delimiter(text: str) -> str:
    """`;` (Excel in Indonesian), tab or `,`: whichever the header line has most of."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def import_meta_csv(library, data: bytes | str) -> ImportResult:
    """Import a Meta Business Suite export for `library`; all rows or none.

    Raises CsvImportError listing each bad row (line number and reason).
    """
    if isinstance(data, bytes):
        data = decode(data)
    data = data.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(data), delimiter=delimiter(data))
    rows, starts, end = [], [], 0
    for row in reader:  # a quoted cell may span lines: count the line each row starts on
        rows.append(row)
        starts.append(end + 1)
        end = reader.line_num
    if not rows:
        raise CsvImportError([_("The file is empty.")])
    columns = _columns(rows[0])
    if "post_id" not in columns and "permalink" not in columns:
        raise CsvImportError([_("The file has no \"Post ID\" or \"Permalink\" column; export the "
                                "content report from Meta Business Suite.")])
    published = PostVariant.objects.filter(post__library=library, state=VariantState.PUBLISHED)
    by_id, by_url = {}, {}
    for variant in published:
        if variant.external_id:
            by_id[variant.external_id] = variant
            by_id[variant.external_id.split("_")[-1]] = variant
        if variant.external_url:
            by_url[variant.external_url.rstrip("/")] = variant
    result = ImportResult()
    pending = []
    for line, row in zip(starts[1:], rows[1:], strict=True):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key, row=row):
            index = columns.get(key)
            return row[index] if index is not None and index < len(row) else ""

        post_id = cell("post_id").strip()
        permalink = cell("permalink").strip().rstrip("/")
        variant = by_id.get(post_id) or by_id.get(post_id.split("_")[-1]) or by_url.get(permalink)
        if variant is None:
            result.unmatched.append(post_id or permalink or str(line))
            continue
        values = {}
        for key in ("reach", "impressions", "likes", "comments", "shares", "clicks"):
            try:
                values[key] = _number(cell(key))
            except ValueError:
                result.errors.append(_("Line %(line)s: \"%(value)s\" in the %(column)s column is not a "
                                       "number.") % {"line": line, "value": cell(key),
                                                     "column": rows[0][columns[key]].strip().lstrip("\ufeff")})
        pending.append((variant, values))
    if result.errors:
        raise CsvImportError(result.errors)
    now = timezone.now()
    with transaction.atomic():
        for variant, values in pending:
            PostMetrics.objects.create(
                variant=variant, source=MetricsSource.CSV, fetched_at=now,
                reach=values.get("reach"), impressions=values.get("impressions"),
                likes=values.get("likes") or 0, comments=values.get("comments") or 0,
                shares=values.get("shares") or 0, clicks=values.get("clicks") or 0)
            result.imported += 1
    return result
