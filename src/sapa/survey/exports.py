"""The survey's responses as CSV (UTF-8 with BOM) and XLSX: one row per response.

No names or emails: staff read the feedback, not who gave it (the results page
does the same). Every export is audited.
"""

import csv
import io
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sapa.core.timefmt import zone_abbreviation
from sapa.events.exports import _safe_text
from sapa.libraries import audit
from sapa.survey.models import QuestionKind

FORMATS = ("csv", "xlsx")


def table(survey) -> tuple[list[str], list[list]]:
    """(header, rows) of the survey's responses."""
    event = survey.event
    tz = ZoneInfo(event.time_zone)
    questions = list(survey.questions.all())
    header = [_("No."), _("Answered (%(zone)s)") % {"zone": zone_abbreviation(event.time_zone)},
              _("Rating"), _("Comments"), *[q.label for q in questions]]
    yes_no = {"yes": _("Yes"), "no": _("No")}
    rows = []
    for n, response in enumerate(survey.responses.all(), start=1):
        cells = [n, response.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), response.rating,
                 response.comments]
        for question in questions:
            value = response.answers.get(str(question.pk), "")
            if isinstance(value, list):
                value = ", ".join(value)
            elif question.kind == QuestionKind.YES_NO:
                value = yes_no.get(value, value)
            cells.append(value)
        rows.append(cells)
    return header, rows


def _safe(value):
    """A cell beginning like a formula is written as text (CSV injection), as in sapa.events.exports."""
    if isinstance(value, str):
        return _safe_text(value)
    return "" if value is None else value


def to_csv(header, rows) -> str:
    """UTF-8 CSV text with a byte-order mark (spreadsheet programs then read it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    return "\ufeff" + out.getvalue()


def _filename(survey, extension):
    stamp = timezone.now().astimezone(ZoneInfo(survey.event.time_zone)).strftime("%Y%m%d-%H%M")
    return f"survei-{slugify(survey.event.slug)[:60]}-{stamp}.{extension}"


def xlsx_bytes(header, rows) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(_("Responses")[:31])
    bold = workbook.add_format({"bold": True})
    for col, title in enumerate(header):
        sheet.write_string(0, col, str(title), bold)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(r, col, value)
            elif value not in (None, ""):
                sheet.write_string(r, col, str(value))
    sheet.freeze_panes(1, 0)
    workbook.close()
    return out.getvalue()


def export_response(survey, fmt: str, *, request=None) -> HttpResponse:
    """The responses in `fmt` ("csv" or "xlsx"), audited. ValueError on another format."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    header, rows = table(survey)
    audit.record("survey.exported", library=survey.event.library, obj=survey.event, request=request,
                 format=fmt, rows=len(rows))
    if fmt == "xlsx":
        response = HttpResponse(
            xlsx_bytes(header, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        response = HttpResponse(to_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(survey, fmt)}"'
    response["Cache-Control"] = "no-store"
    return response
