"""Exports of an event's registrations: CSV (`,` or `;`, UTF-8 with BOM) and XLSX.

Both run in constant memory whatever the number of rows: rows come from the
database in chunks (`.iterator(chunk_size=2000)` over plain tuples, no model
instances), CSV is streamed to the client line by line, and XLSX is written
by XlsxWriter in `constant_memory` mode (each row goes to a temporary file as
soon as it is complete) and the finished file streamed from disk. This module
builds the header and the rows; `sapa.core.exports` writes them (and guards
every text cell against formulas).

Columns: the registration's fields, the category, then one column per custom
question (multiple choice joined with ", "), then the times, written in the
event's own time zone (named in the header, e.g. "Registered (WIB)").

Every export is written to the audit log (who exported which event's
personal data, how many rows, which filters): UU 27/2022 asks for it.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sapa.core import exports
from sapa.core.timefmt import zone_abbreviation
from sapa.events.models import QuestionKind, RegistrationSource, RegistrationStatus
from sapa.libraries import audit

CHUNK = 2000
FORMATS = ("csv", "csv-semicolon", "xlsx")

# The fields read from the database, in this order (a tuple per row).
FIELDS = (
    "pk", "status", "name", "email", "whatsapp", "institution", "category__name", "answers",
    "created_at", "confirmed_at", "cancelled_at", "source", "channel",
)
_I = {name: i for i, name in enumerate(FIELDS)}

class Columns:
    """The header and the row builder of one event's export."""

    def __init__(self, event):
        self.event = event
        self.tz = ZoneInfo(event.time_zone)
        self.zone = zone_abbreviation(event.time_zone)
        self.questions = list(event.questions.all())
        # Translated once here, not once a row.
        self.status_labels = {k: str(v) for k, v in RegistrationStatus.choices}
        self.source_labels = {k: str(v) for k, v in RegistrationSource.choices}
        self.yes, self.no = _("Yes"), _("No")

    def header(self) -> list[str]:
        zone = self.zone
        return [
            _("No."), _("Status"), _("Full name"), _("Email"), _("WhatsApp number"), _("Institution"),
            _("Category"),
            *[q.label for q in self.questions],
            _("Registered (%(zone)s)") % {"zone": zone},
            _("Confirmed (%(zone)s)") % {"zone": zone},
            _("Cancelled (%(zone)s)") % {"zone": zone},
            _("Source"), _("Channel"),
        ]

    def local(self, value) -> datetime | None:
        """A naive wall-clock time in the event's zone (what spreadsheets can hold)."""
        if value is None:
            return None
        if timezone.is_naive(value):  # SQLite without tz info in the column
            value = timezone.make_aware(value, ZoneInfo("UTC"))
        return value.astimezone(self.tz).replace(tzinfo=None, microsecond=0)

    def answer(self, question, value) -> str:
        if value is None or value == "" or value == []:
            return ""
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if isinstance(value, bool):
            return self.yes if value else self.no
        if question.kind == QuestionKind.YES_NO and value in ("yes", "no"):
            return self.yes if value == "yes" else self.no
        if isinstance(value, dict):  # province and regency
            return ", ".join(str(v) for v in (value.get("regency"), value.get("province")) if v)
        return str(value)

    def row(self, number: int, values: tuple) -> list:
        """One row: text cells and naive local datetimes (None for empty); sapa.core.exports guards the text."""
        answers = values[_I["answers"]] or {}
        if isinstance(answers, str):  # JSON from a raw backend
            import json

            answers = json.loads(answers or "{}")
        return [
            number,
            self.status_labels.get(values[_I["status"]], values[_I["status"]]),
            values[_I["name"]],
            values[_I["email"]],
            values[_I["whatsapp"]],
            values[_I["institution"]],
            values[_I["category__name"]] or "",
            *[self.answer(q, answers.get(str(q.pk))) for q in self.questions],
            self.local(values[_I["created_at"]]),
            self.local(values[_I["confirmed_at"]]),
            self.local(values[_I["cancelled_at"]]),
            self.source_labels.get(values[_I["source"]], values[_I["source"]]),
            values[_I["channel"]],
        ]


def rows(event, queryset):
    """(Columns, an iterator of rows) over the queryset, read in chunks."""
    columns = Columns(event)
    tuples = queryset.order_by("id").values_list(*FIELDS).iterator(chunk_size=CHUNK)
    return columns, (columns.row(n, values) for n, values in enumerate(tuples, start=1))


def filename(event) -> str:
    """The file's name without its extension."""
    stamp = timezone.now().astimezone(ZoneInfo(event.time_zone)).strftime("%Y%m%d-%H%M")
    return f"pendaftar-{slugify(event.slug)[:60]}-{stamp}"


def write_xlsx(event, queryset, target) -> int:
    """Write the workbook to `target` (a path or a binary file); returns the number of rows."""
    columns, body = rows(event, queryset)
    return exports.write_xlsx(columns.header(), body, target, sheet=_("Registrations"), widths=(6, 20))


# --- The one entry point -----------------------------------------------------------------------


def record_export(event, fmt: str, *, rows: int, request=None, filters: dict | None = None, via: str = "web",
                  **data) -> None:
    """The audit entry of every bulk read of an event's registrations (files and the API's list)."""
    audit.record(
        "registrations.exported", library=event.library, obj=event, request=request,
        format=fmt, rows=rows, filters=filters or {}, via=via, **data,
    )


def export_response(event, queryset, fmt: str, *, request=None, filters: dict | None = None, via: str = "web"):
    """The export in `fmt` (see FORMATS) of `queryset`, audited. ValueError on an unknown format."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    record_export(event, fmt, rows=queryset.count(), request=request, filters=filters, via=via)
    columns, body = rows(event, queryset)
    return exports.response(fmt, columns.header(), body, filename(event), sheet=_("Registrations"), widths=(6, 20),
                            stream=True)


# --- The query behind the table, the export and the API --------------------------------------


def registrations_query(event, *, q: str = "", status: str = "", category=None, date_from=None,
                        date_to=None):
    """An event's registrations after search and filters (dates are the event's local days).

    `status` is a RegistrationStatus value or "active" (confirmed and waiting);
    `category` a category id, or 0 for "no category".
    """
    from datetime import time, timedelta

    from django.db.models import Q

    qs = event.registrations.all()
    q = (q or "").strip()
    if q:
        condition = (Q(name__icontains=q) | Q(email_normalized__icontains=q.lower())
                     | Q(institution__icontains=q))
        digits = "".join(ch for ch in q if ch.isdigit())
        if len(digits) >= 4:
            if digits.startswith("0"):
                digits = "62" + digits[1:]
            condition |= Q(whatsapp__contains=digits)
        qs = qs.filter(condition)
    if status == "active":
        qs = qs.filter(status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
                                   RegistrationStatus.STREAM])
    elif status in RegistrationStatus.values:
        qs = qs.filter(status=status)
    if category == 0:
        qs = qs.filter(category__isnull=True)
    elif category:
        qs = qs.filter(category_id=category)
    tz = ZoneInfo(event.time_zone)
    if date_from:
        qs = qs.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(created_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz))
    return qs
