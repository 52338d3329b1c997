"""The participant's survey page: reached with the registration's personal token; no JavaScript."""

import hmac

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from sapa.events.models import Registration
from sapa.survey import services
from sapa.survey.forms import ResponseForm
from sapa.survey.models import Response


def _registration(public_id, token) -> Registration:
    registration = Registration.objects.select_related("event__library").filter(public_id=public_id).first()
    if registration is None or not hmac.compare_digest(registration.manage_token.encode(), str(token).encode()):
        raise Http404
    return registration


@require_http_methods(["GET", "HEAD", "POST"])
def respond(request, public_id, token):
    """The survey form; after answering, a thank-you. Closed or not-yet-open surveys say so."""
    registration = _registration(public_id, token)
    event = registration.event
    survey = services.survey_for(event)
    response = Response.objects.filter(registration=registration).first()
    state = survey.state()
    allowed = services.can_respond(registration)
    form = None
    status = 200
    if response is None and state == "open" and allowed:
        form = ResponseForm(survey, request.POST or None)
        if request.method == "POST":
            if form.is_valid():
                try:
                    services.submit_response(
                        registration, rating=form.cleaned_data["rating"],
                        comments=form.cleaned_data["comments"], answers=form.answers(),
                        language=translation.get_language() or "id",
                    )
                except services.SurveyRefused as refused:
                    messages.error(request, refused.message)
                    return redirect(request.path)
                return redirect(request.path)
            status = 400
    elif request.method == "POST":
        status = 409 if response is not None else 403
    return render(request, "survey/respond.html", {
        "event": event, "library": event.library, "registration": registration, "survey": survey,
        "state": state, "response": response, "allowed": allowed, "form": form,
    }, status=status)
