"""New arrivals: harvesting and importing into Acquisitions, and turning chosen titles into draft posts.

An import is all or nothing: the harvest is fetched (or the file parsed and
checked) first, then every title is written in one transaction; a broken page
or record leaves the catalogue as it was and the ImportRun says where and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sapa.catalogue import harvest as harvesting
from sapa.catalogue import parsers
from sapa.catalogue.models import Acquisition, CatalogueSource, ImportRun, RunStatus, SourceKind
from sapa.libraries import audit
from sapa.social import services as social

FIELDS = ("title", "publisher", "year", "isbn", "call_number", "cover_url", "subjects", "raw")


def _limit(value: str, model_field: str) -> str:
    return (value or "")[: Acquisition._meta.get_field(model_field).max_length]


def store_items(library, items: list[parsers.Item], *, source=None, run: ImportRun | None = None) -> tuple[int, int]:
    """Create or update an Acquisition per item (same identifier: updated). Returns (created, updated).

    Call inside a transaction: the caller decides that the whole import lands or none of it.
    """
    now = timezone.now()
    by_identifier: dict[str, parsers.Item] = {}
    for item in items:
        by_identifier[_limit(item.identifier, "identifier")] = item  # the last one of a repeated id wins
    existing = {a.identifier: a for a in Acquisition.objects.filter(library=library,
                                                                    identifier__in=list(by_identifier))}
    created = updated = 0
    new_rows = []
    for identifier, item in by_identifier.items():
        values = {
            "title": _limit(item.title, "title"),
            "authors": _limit("; ".join(item.authors), "authors"),
            "publisher": _limit(item.publisher, "publisher"),
            "year": _limit(item.year, "year"),
            "isbn": _limit(item.isbn, "isbn"),
            "call_number": _limit(item.call_number, "call_number"),
            "cover_url": item.cover_url if len(item.cover_url) <= 500 else "",
            "subjects": item.subjects[:30],
            "raw": item.raw,
        }
        row = existing.get(identifier)
        if row is None:
            new_rows.append(Acquisition(library=library, source=source, identifier=identifier,
                                        added_at=item.added_at or now, import_run=run, **values))
            created += 1
        else:
            for name, value in values.items():
                setattr(row, name, value)
            if item.added_at:
                row.added_at = item.added_at
            row.source = source or row.source
            row.import_run = run
            row.save()
            updated += 1
    Acquisition.objects.bulk_create(new_rows, batch_size=500)
    return created, updated


def new_harvest_run(source: CatalogueSource, *, by=None, request=None) -> ImportRun:
    """Record a harvest to run (its job is queued by tasks.start_harvest). The run shows its result."""
    run = ImportRun.objects.create(library=source.library, source=source, kind=source.kind, started_by=by,
                                   language=translation.get_language() or settings.LANGUAGE_CODE)
    audit.record("catalogue.harvest_started", library=source.library, actor=by, obj=source, request=request,
                 run=run.pk)
    return run


def run_harvest(run_id: int) -> ImportRun:
    """Harvest the run's source and store everything in one transaction, or nothing and the reason."""
    run = ImportRun.objects.select_related("source", "library").get(pk=run_id)
    if run.status not in (RunStatus.QUEUED,):
        return run
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    source = run.source
    started = timezone.now()
    with translation.override(run.language or settings.LANGUAGE_CODE):
        try:
            if source is None:
                raise harvesting.HarvestError(_("The source was deleted."))
            result = harvesting.harvest(source)
        except harvesting.HarvestError as exc:
            run.status = RunStatus.FAILED
            run.errors = [{"where": exc.where, "reason": exc.message}]
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "errors", "finished_at"])
            audit.record("catalogue.harvest_failed", library=run.library, actor=run.started_by, obj=source,
                         run=run.pk, error=exc.message[:300])
            return run
        with transaction.atomic():
            created, updated = store_items(run.library, result.items, source=source, run=run)
            run.status = RunStatus.DONE
            run.created_count, run.updated_count = created, updated
            run.skipped_count = result.deleted
            run.pages = result.pages
            run.finished_at = timezone.now()
            run.save()
            CatalogueSource.objects.filter(pk=source.pk).update(last_harvested_at=started)
            source.last_harvested_at = started
            audit.record("catalogue.harvested", library=run.library, actor=run.started_by, obj=source,
                         run=run.pk, created=created, updated=updated, pages=result.pages)
    return run


def upload_source(library) -> CatalogueSource:
    """The library's source for uploaded files (made on first use)."""
    source = CatalogueSource.objects.filter(library=library, kind=SourceKind.UPLOAD).order_by("id").first()
    if source is None:
        source = CatalogueSource.objects.create(library=library, kind=SourceKind.UPLOAD, name=_("Uploaded files"),
                                                metadata_prefix="", nightly=False)
    return source


def import_file(library, data: bytes, *, file_name: str, fmt: str = "auto", by=None, request=None,
                source: CatalogueSource | None = None) -> ImportRun:
    """Import an uploaded MARC, MARCXML or CSV file: every title, or none and the problems.

    The ImportRun is kept either way (it is the record of who tried what).
    """
    if fmt == "auto":
        fmt = parsers.detect_format(data, file_name)
    source = source or upload_source(library)
    run = ImportRun(library=library, source=source, kind=SourceKind.UPLOAD, file_name=file_name[:255],
                    started_by=by, started_at=timezone.now(), language=translation.get_language() or "")
    try:
        items = parsers.parse_upload(data, fmt)
    except parsers.ParseError as exc:
        run.status = RunStatus.FAILED
        run.errors = [p.as_dict() for p in exc.problems]
        run.finished_at = timezone.now()
        run.save()
        audit.record("catalogue.import_refused", library=library, actor=by, obj=run, request=request,
                     file=file_name[:200], format=fmt, problems=len(exc.problems))
        return run
    with transaction.atomic():
        run.save()
        created, updated = store_items(library, items, source=source, run=run)
        run.created_count, run.updated_count = created, updated
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save()
        audit.record("catalogue.imported", library=library, actor=by, obj=run, request=request,
                     file=file_name[:200], format=fmt, created=created, updated=updated)
    return run


def nightly_sources():
    """The OAI-PMH and SLiMS sources harvested every night, without a harvest under way."""
    for source in CatalogueSource.objects.filter(kind__in=[SourceKind.OAI_PMH, SourceKind.SLIMS_RSS],
                                                 nightly=True).exclude(base_url="").select_related("library"):
        if not ImportRun.objects.filter(source=source, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists():
            yield source


# --- Draft posts --------------------------------------------------------------------------------

def placeholders(acquisition: Acquisition) -> dict:
    """The values a post template can use for a title: {title}, {author}, {year}, {call_number}, ..."""
    return {
        "title": acquisition.title,
        "author": acquisition.authors,
        "authors": acquisition.authors,
        "year": acquisition.year,
        "call_number": acquisition.call_number,
        "publisher": acquisition.publisher,
        "isbn": acquisition.isbn,
        "cover_url": acquisition.cover_url,
    }


def make_draft_posts(library, acquisitions: list[Acquisition], template, channels: list, *, by,
                     request=None) -> list:
    """A draft social post per title, a variant per channel, its text from `template`.

    Goes through sapa.social.services (create_post, add_variant, render_template) so posts made
    here are like any other: revisions kept, status computed. The cover, when known, is the
    variant's link (it is on the catalogue's server; nothing is downloaded).
    """
    posts = []
    with transaction.atomic():
        for acquisition in acquisitions:
            if acquisition.library_id != library.pk:
                raise ValueError("acquisition from another library")
            text = social.render_template(template, extra=placeholders(acquisition))
            post = social.create_post(library, by=by, title=acquisition.title[:200], request=request,
                                      note=_("New arrival from the catalogue: %(id)s")
                                      % {"id": acquisition.identifier})
            link = acquisition.cover_url if acquisition.cover_url and acquisition.cover_url not in text else ""
            for channel in channels:
                social.add_variant(post, channel, by=by, text=text, link=link, request=request)
            posts.append(post)
        audit.record("catalogue.posts_created", library=library, actor=by, request=request,
                     template=template.pk, posts=[p.pk for p in posts],
                     acquisitions=[a.pk for a in acquisitions])
    return posts
