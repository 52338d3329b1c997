"""Staff pages of social media metrics: all channels, one channel, and the CSV import.

What each published variant reached is its latest PostMetrics row (fetched
daily by sapa.social.tasks.fetch_social_metrics, or imported from a Meta
Business Suite export). Engagement rate by reach = (likes + comments +
shares + clicks) / reach, summed over the variants whose reach is known
(PostMetrics.engagement_rate; networks.md "Engagement"). The chart over time
is drawn by the promotion app's chart helper (sapa.promotion.charts), with its
data as a table and as CSV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from sapa.core import exports
from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view
from sapa.promotion import charts
from sapa.social import metrics
from sapa.social.models import Channel, PostMetrics, PostVariant, VariantState

PERIODS = {30: gettext_lazy("Last 30 days"), 90: gettext_lazy("Last 90 days"),
           365: gettext_lazy("Last 12 months"), 0: gettext_lazy("All time")}
DEFAULT_PERIOD = 90
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


# --- Computation -------------------------------------------------------------------------------


@dataclass
class Totals:
    """Sums over the latest metrics of some variants; the rate only over those with a known reach."""

    variants: int = 0  # published variants
    measured: int = 0  # ... of which have metrics
    reach: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    clicks: int = 0
    rated_interactions: int = 0  # interactions of the variants whose reach is known
    rows: list = field(default_factory=list)

    def add(self, row: PostMetrics | None) -> None:
        self.variants += 1
        if row is None:
            return
        self.measured += 1
        self.likes += row.likes
        self.comments += row.comments
        self.shares += row.shares
        self.clicks += row.clicks
        if row.reach:
            self.reach += row.reach
            self.rated_interactions += row.interactions

    @property
    def interactions(self) -> int:
        return self.likes + self.comments + self.shares + self.clicks

    @property
    def rate(self) -> float | None:
        return self.rated_interactions / self.reach if self.reach else None


def percent(rate: float | None) -> str:
    """An engagement rate as a percentage in the active language ("4,5%"); "—" when unknown."""
    if rate is None:
        return "—"
    return f"{number_format(rate * 100, 1)}%"


def published_variants(library, *, channel: Channel | None = None, since: datetime | None = None):
    variants = PostVariant.objects.filter(post__library=library, state=VariantState.PUBLISHED,
                                          published_at__isnull=False)
    if channel is not None:
        variants = variants.filter(channel=channel)
    if since is not None:
        variants = variants.filter(published_at__gte=since)
    return variants.select_related("post", "channel").order_by("-published_at", "-id")


def latest_metrics(variants) -> dict[int, PostMetrics]:
    """The latest metrics row of each variant, in one query."""
    latest: dict[int, PostMetrics] = {}
    rows = PostMetrics.objects.filter(variant__in=variants.values("pk")).order_by(
        "variant_id", "-fetched_at", "-id")
    for row in rows.iterator():
        latest.setdefault(row.variant_id, row)
    return latest


def summarise(variants) -> tuple[Totals, dict[int, Totals], list[tuple[PostVariant, PostMetrics | None]]]:
    """Overall totals, totals per channel id, and each variant with its latest metrics."""
    variants = list(variants)
    latest = latest_metrics(PostVariant.objects.filter(pk__in=[v.pk for v in variants]))
    overall, per_channel, pairs = Totals(), {}, []
    for variant in variants:
        row = latest.get(variant.pk)
        overall.add(row)
        per_channel.setdefault(variant.channel_id, Totals()).add(row)
        pairs.append((variant, row))
    return overall, per_channel, pairs


def _bucket_start(day: date, monthly: bool) -> date:
    return day.replace(day=1) if monthly else day - timedelta(days=day.weekday())


def _next_bucket(day: date, monthly: bool) -> date:
    if monthly:
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=7)


def chart_over_time(library, pairs, *, days: int, key: str, title: str) -> charts.Chart:
    """Reach and interactions of the variants published in each week (or month), oldest first."""
    tz = ZoneInfo(library.time_zone)
    monthly = days == 0 or days > 120
    buckets: dict[date, Totals] = {}
    for variant, row in pairs:
        start = _bucket_start(variant.published_at.astimezone(tz).date(), monthly)
        buckets.setdefault(start, Totals()).add(row)
    today = timezone.now().astimezone(tz).date()
    first = min(buckets) if buckets else None
    if days:
        first = _bucket_start(today - timedelta(days=days - 1), monthly)
    rows = []
    if first is not None:
        current, last = first, _bucket_start(today, monthly)
        while current <= last:
            totals = buckets.get(current, Totals())
            label = date_format(current, "F Y" if monthly else "SHORT_DATE_FORMAT")
            rows.append((label, totals.reach, totals.interactions, percent(totals.rate)))
            current = _next_bucket(current, monthly)
    columns = [_("Month") if monthly else _("Week from"), _("Reach"), _("Interactions"), _("Engagement rate")]
    chart = charts.pairs(key, title, rows, charts.colour(library.primary_color), columns,
                         (_("Reach"), _("Interactions")))
    chart.description = (
        _("Reach and interactions (likes, comments, shares and clicks) of the posts published in each month.")
        if monthly else
        _("Reach and interactions (likes, comments, shares and clicks) of the posts published in each week."))
    return chart


# --- Pages ---------------------------------------------------------------------------------------


def _period(request) -> int:
    try:
        days = int(request.GET.get("days", DEFAULT_PERIOD))
    except ValueError:
        days = DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def _since(days: int) -> datetime | None:
    return timezone.now() - timedelta(days=days) if days else None


def _channel(request, channel_id: int) -> Channel:
    return get_object_or_404(Channel, pk=channel_id, library=request.library)


def _csv(chart: charts.Chart, filename: str) -> HttpResponse:
    return exports.response("csv", chart.columns, chart.rows, filename, cache="private, no-cache")


def _overview_data(request, days: int):
    library = request.library
    variants = published_variants(library, since=_since(days))
    overall, per_channel, pairs = summarise(variants)
    chart = chart_over_time(library, pairs, days=days, key="social-over-time",
                            title=_("Reach and interactions over time"))
    return overall, per_channel, chart


@library_view()
@require_GET
def overview(request):
    """Every channel's reach, interactions and engagement rate, and the chart over time."""
    days = _period(request)
    overall, per_channel, chart = _overview_data(request, days)
    channels = list(Channel.objects.filter(library=request.library).order_by("network", "name"))
    rows = [{"channel": c, "totals": per_channel.get(c.pk, Totals()),
             "rate": percent(per_channel.get(c.pk, Totals()).rate)} for c in channels]
    return render(request, "social/metrics/overview.html", {
        "days": days, "periods": PERIODS.items(), "overall": overall, "overall_rate": percent(overall.rate),
        "rows": rows, "chart": chart, "svg": mark_safe(charts.svg(chart)),  # noqa: S308 - escaped in charts.svg
        "csv_url": reverse("social-metrics-csv", kwargs={"slug": request.library.slug}) + f"?days={days}",
        "can_import": request.membership.has_role(Role.EDITOR),
    })


@library_view()
@require_GET
def overview_csv(request):
    days = _period(request)
    _overall, _per_channel, chart = _overview_data(request, days)
    return _csv(chart, f"{request.library.slug}-social-metrics")


def _channel_data(request, channel: Channel, days: int):
    variants = published_variants(request.library, channel=channel, since=_since(days))
    overall, _per_channel, pairs = summarise(variants)
    chart = chart_over_time(request.library, pairs, days=days, key=f"channel-{channel.pk}",
                            title=_("%(channel)s: reach and interactions over time") % {"channel": channel.name})
    return overall, pairs, chart


@library_view()
@require_GET
def channel_overview(request, channel_id):
    """One channel: its totals, the chart over time, and each published variant's numbers."""
    channel = _channel(request, channel_id)
    days = _period(request)
    overall, pairs, chart = _channel_data(request, channel, days)
    variants = [{"variant": v, "metrics": m, "rate": percent(m.engagement_rate if m else None)} for v, m in pairs]
    return render(request, "social/metrics/channel.html", {
        "channel": channel, "days": days, "periods": PERIODS.items(), "overall": overall,
        "overall_rate": percent(overall.rate), "variants": variants, "chart": chart,
        "svg": mark_safe(charts.svg(chart)),  # noqa: S308 - escaped in charts.svg
        "csv_url": reverse("social-metrics-channel-csv", kwargs={"slug": request.library.slug,
                                                                  "channel_id": channel.pk}) + f"?days={days}",
    })


@library_view()
@require_GET
def channel_csv(request, channel_id):
    channel = _channel(request, channel_id)
    _overall, _pairs, chart = _channel_data(request, channel, _period(request))
    return _csv(chart, f"{request.library.slug}-social-{channel.pk}")


class MetricsImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Meta Business Suite export (CSV)"),
        help_text=gettext_lazy("In Meta Business Suite: Insights → Content → Export data, as CSV. "
                               "Separated by commas or semicolons; UTF-8 or Windows encoding."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB. Export a shorter period."))
        return upload


@library_view(Role.EDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def import_csv(request):
    """Upload a Meta Business Suite export: every row is imported, or none (each problem with its line)."""
    form = MetricsImportForm(request.POST or None, request.FILES or None)
    problems, result = [], None
    if request.method == "POST" and form.is_valid():
        try:
            result = metrics.import_meta_csv(request.library, form.cleaned_data["file"].read())
        except metrics.CsvImportError as exc:
            problems = exc.errors
        else:
            audit.record("social.metrics_imported", library=request.library, request=request,
                         imported=result.imported, unmatched=len(result.unmatched))
            if result.imported:
                messages.success(request, _("Imported the numbers of %(count)s posts.") % {"count": result.imported})
            if result.unmatched:
                messages.warning(request, _(
                    "%(count)s rows match no post published by Sapa and were skipped: %(ids)s") % {
                        "count": len(result.unmatched), "ids": ", ".join(result.unmatched[:10])})
            if not result.imported and not result.unmatched:
                messages.warning(request, _("The file has no rows to import."))
            if result.imported:
                return redirect("social-metrics", slug=request.library.slug)
    return render(request, "social/metrics/import.html", {"form": form, "problems": problems,
                                                          "result": result},
                  status=400 if form.errors or problems else 200)
