"""The survey's part of the participant's personal page."""

from django.template.loader import render_to_string
from django.utils import timezone

from sapa.survey import services
from sapa.survey.models import Response, Survey


def participant_section(registration, request) -> str:
    """"Fill in the survey" while it is open, "Thank you" once answered; nothing otherwise."""
    if not services.can_respond(registration):
        return ""
    answered = Response.objects.filter(registration=registration).exists()
    survey = Survey.objects.filter(event_id=registration.event_id).first()
    if survey is None and registration.event.ends_at <= timezone.now():
        survey = services.survey_for(registration.event)  # opens when the event ends
    if not answered and (survey is None or not survey.is_open()):
        return ""
    return render_to_string("survey/_participant_section.html", {
        "registration": registration, "answered": answered, "survey": survey,
    }, request=request)
