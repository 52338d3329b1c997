"""Staff pages of an event's survey: results (chart, averages, tallies, comments),
settings and questions, open/close, invitations, export.

Staff see the results and send invitations; editors and admins change the
survey and export the responses. Every object comes through request.library.
"""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from sapa.events.tenancy import event_view
from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.promotion import charts
from sapa.survey import exports, services
from sapa.survey.forms import SurveyQuestionFormSet, SurveySettingsForm

CHART_COLOR = "#0b5d4b"


def rating_chart(result) -> str:
    """The distribution of ratings as inline SVG (the house charts)."""
    rows = [(f"{'★' * n} ({n})", count) for n, count in result["distribution"]]
    chart = charts.bars("ratings", _("Ratings"), rows, CHART_COLOR, [_("Rating"), _("Responses")])
    chart.description = "; ".join(f"{n}: {count}" for n, count in result["distribution"])
    return charts.svg(chart)


@event_view(Role.STAFF)
def results(request, event):
    survey = services.survey_for(event)
    result = services.results(survey)
    return render(request, "survey/staff/results.html", {
        "event": event, "survey": survey, "result": result, "state": survey.state(),
        "chart": rating_chart(result), "can_edit": request.membership.has_role(Role.EDITOR),
    })


@event_view(Role.EDITOR)
def settings_page(request, event):
    survey = services.survey_for(event)
    data = request.POST if request.method == "POST" else None
    form = SurveySettingsForm(data, instance=survey, prefix="s")
    formset = SurveyQuestionFormSet(data, instance=survey, prefix="q")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            form.save()
            formset.save()
            audit.record("survey.updated", library=request.library, obj=event, request=request)
        messages.success(request, _("The survey has been saved."))
        if request.POST.get("add"):
            return redirect("survey-settings", slug=request.library.slug, event_id=event.pk)
        return redirect("survey-results", slug=request.library.slug, event_id=event.pk)
    return render(request, "survey/staff/settings.html", {
        "event": event, "survey": survey, "form": form, "formset": formset,
    }, status=400 if request.method == "POST" else 200)


@event_view(Role.EDITOR)
@require_POST
def open_survey(request, event):
    survey = services.survey_for(event)
    services.open_now(survey, request=request)
    messages.success(request, _("The survey is open."))
    return redirect("survey-results", slug=request.library.slug, event_id=event.pk)


@event_view(Role.EDITOR)
@require_POST
def close_survey(request, event):
    survey = services.survey_for(event)
    services.close_now(survey, request=request)
    messages.success(request, _("The survey is closed."))
    return redirect("survey-results", slug=request.library.slug, event_id=event.pk)


@event_view(Role.STAFF)
@require_POST
def invite(request, event):
    survey = services.survey_for(event)
    if not survey.is_open():
        messages.error(request, _("Open the survey before sending its link."))
    else:
        count = services.send_invitations(survey, request=request)
        messages.success(request, ngettext(
            "The survey link goes to %(n)d attendee (everyone else already had it).",
            "The survey link goes to %(n)d attendees (everyone else already had it).", count) % {"n": count})
    return redirect("survey-results", slug=request.library.slug, event_id=event.pk)


@event_view(Role.EDITOR)
def export(request, event):
    survey = services.survey_for(event)
    try:
        return exports.export_response(survey, request.GET.get("format", "csv"), request=request)
    except ValueError:
        raise Http404 from None
