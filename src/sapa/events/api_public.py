"""Public event endpoints: list, detail, and registration (the same rules as the form).

No token needed. Registration follows the web form's validation
(sapa.events.forms.RegistrationForm) and its per-address rate limit; the
answer never carries the personal link's token nor anyone else's data.
"""

from contextlib import nullcontext
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Router, Schema

from sapa.api.errors import error_response
from sapa.events import notices, services
from sapa.events.forms import RegistrationForm, api_errors, choice_values, form_data_from_api
from sapa.events.models import QuestionKind, Registration, RegistrationSource
from sapa.events.public import (
    public_event,
    registration_channel,
    registration_limited,
    snapshot_event,
    upcoming_public_events,
)

router = Router(tags=["events (public)"])


class EventSummaryOut(Schema):
    slug: str
    title: str
    library: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    url: str
    registration_state: str
    seats_left: int


class SpeakerOut(Schema):
    name: str
    role: str


class CategoryOut(Schema):
    id: int
    name: str


class QuestionOut(Schema):
    id: int
    label: str
    help_text: str
    kind: str
    required: bool
    choices: list[str]


class EventDetailOut(EventSummaryOut):
    description: str
    capacity: int
    status: str
    platform: str
    venue: str
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    speakers: list[SpeakerOut]
    categories: list[CategoryOut]
    questions: list[QuestionOut]
    consent_text: str
    has_stream: bool


class RegistrationIn(Schema):
    name: str = ""
    email: str = ""
    whatsapp: str = ""
    institution: str = ""
    category: int | str | None = None
    answers: dict[str, Any] = {}
    consent: bool = False
    # A separate opt-in to notices by WhatsApp (needs `whatsapp`); see sapa.whatsapp.
    whatsapp_optin: bool = False
    language: str | None = None
    # When no seat is left: "stream" (events with has_stream) or "waitlist" (the default).
    overflow: str = ""


class RegistrationOut(Schema):
    # The same answer for a new email and one already registered (telling them apart would
    # tell anyone whether an email is registered): the seat or the waiting list, and the
    # personal link, go to the email address.
    status: str  # always "received"
    public_id: UUID
    detail: str


class ErrorBody(Schema):
    error: dict[str, Any]


def _summary(event) -> dict:
    return {
        "slug": event.slug, "title": event.title, "library": event.library.slug,
        "starts_at": event.starts_at, "ends_at": event.ends_at, "time_zone": event.time_zone,
        "url": services.event_url(event), "registration_state": event.registration_state(),
        "seats_left": services.seats_left(event),
    }


@router.get("/events", auth=None, response=list[EventSummaryOut], summary="Upcoming public events")
def list_events(request, library: str | None = None):
    """Published, listed events that have not ended, soonest first; `?library=<slug>` for one library."""
    events = upcoming_public_events()
    if library:
        events = events.filter(library__slug=library)
    return [_summary(event) for event in events[:200]]


@router.get("/events/{slug}", auth=None, response=EventDetailOut, summary="One event")
def event_detail(request, slug: str):
    """An event with its seats left, registration state, categories and questions."""
    event = public_event(slug)
    return {
        **_summary(event),
        "description": event.description, "capacity": event.capacity, "status": event.status,
        "platform": event.meeting_platform or ("online" if event.meeting_url else ""),
        "venue": event.venue,
        "registration_opens_at": event.registration_opens_at,
        "registration_closes_at": event.registration_closes_at or event.starts_at,
        "speakers": [{"name": s.name, "role": s.role} for s in event.speakers.all()],
        "categories": [{"id": c.pk, "name": c.name} for c in event.categories.all()],
        "questions": [
            {"id": q.pk, "label": q.label, "help_text": q.help_text, "kind": q.kind, "required": q.required,
             "choices": choice_values(q) if q.kind in (QuestionKind.SINGLE_CHOICE,
                                                       QuestionKind.MULTIPLE_CHOICE) else []}
            for q in event.questions.all()
        ],
        "consent_text": event.consent_text_effective,
        "has_stream": bool(event.stream_url),
    }


@router.post(
    "/events/{slug}/registrations", auth=None,
    response={202: RegistrationOut, 404: ErrorBody, 409: ErrorBody,
              422: ErrorBody, 429: ErrorBody},
    summary="Register for an event",
)
def register(request, slug: str, payload: RegistrationIn):
    """Register: 202 `received`, the same answer whether the email was new or already
    registered, so it tells nobody which emails are registered. The email address gets
    the result (a seat or the waiting list) with the personal link; an email already
    registered gets its personal link again.

    `category` is a category's id or name; `answers` maps question ids to
    values (a list for multiple choice, true/false for yes/no,
    {"province": ..., "regency": ...} for a region). Errors: 422 `invalid`
    (with `details` per field), 409 `not_yet`/`closed`/`cancelled`, 429
    `rate_limited`.
    """
    # At most a second old: services.register() re-checks state and seats under the lock.
    event = snapshot_event(slug)
    state = event.registration_state()
    body = payload.dict()
    form = (RegistrationForm.submitted(event, form_data_from_api(event, body), bot_checks=False)
            if state == "open" else None)
    valid = form is not None and form.is_valid()
    # Every attempt counts for its address; a valid one also for its email (one write).
    limited = registration_limited(request, event, form.cleaned_data["email"] if valid else None)
    if limited == "address":
        return error_response(request, 429, "rate_limited", _(
            "Too many registration attempts from your network. Wait a few minutes and try again."))
    if state != "open":
        return error_response(request, 409, state, str(services.STATE_MESSAGES[state]))
    if not valid:
        return error_response(request, 422, "invalid", _("The registration is not valid."),
                              details=api_errors(form))
    if limited == "email":
        return error_response(request, 429, "rate_limited", _(
            "Too many registration attempts with this email address. Wait a few minutes and try again."))
    languages = {code for code, _ in settings.LANGUAGES}
    language = body.get("language") if body.get("language") in languages else settings.LANGUAGE_CODE
    optin = form.whatsapp_optin()
    try:
        # With the WhatsApp opt-in, one transaction: the queued notices see it (sapa.whatsapp).
        with transaction.atomic() if optin else nullcontext():
            result = services.register(event, **form.register_kwargs(), language=language,
                                       source=RegistrationSource.API, channel=registration_channel(request, event))
            if optin and result.created:
                notices.whatsapp_optin.send(Registration, registration=result.registration, text=optin)
    except services.RegistrationRefused as refused:
        status = 409 if refused.code in services.STATE_MESSAGES else 422
        return error_response(request, status, refused.code, str(refused.message))
    return 202, {"status": "received", "public_id": result.registration.public_id,
                 "detail": str(services.CHECK_YOUR_EMAIL)}
