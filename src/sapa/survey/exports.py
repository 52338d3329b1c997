"""The survey's responses as CSV (UTF-8 with BOM) and XLSX (sapa.core.exports): one row per response.

No names or emails: staff read the feedback, not who gave it (the results page
does the same). Every export is audited.
"""

from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sapa.core import exports
from sapa.core.timefmt import zone_abbreviation
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


def _filename(survey):
    stamp = timezone.now().astimezone(ZoneInfo(survey.event.time_zone)).strftime("%Y%m%d-%H%M")
    return f"survei-{slugify(survey.event.slug)[:60]}-{stamp}"


def export_response(survey, fmt: str, *, request=None) -> HttpResponse:
    """The responses in `fmt` ("csv" or "xlsx"), audited. ValueError on another format."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    header, rows = table(survey)
    audit.record("survey.exported", library=survey.event.library, obj=survey.event, request=request,
                 format=fmt, rows=len(rows))
    return exports.response(fmt, header, rows, _filename(survey), sheet=_("Responses"))
