"""Who is on the board: a participant known through the personal link, or an anonymous visitor.

The personal page links to /e/<slug>/live/masuk/<public id>/<token>/. That view
checks the token (constant time), sets an HttpOnly signed cookie scoped to the
event's board (/e/<slug>/live/) holding the event, the registration and a hash
of its token, and redirects to the board, so that the address on a shared
screen never carries a secret. The cookie is refused for another event, after
the registration was cancelled or erased, and when its token changed.

An anonymous visitor (only when the board allows anonymous questions) gets a
random id in another signed cookie on the board's path; their key is a hash of it.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

from sapa.events.models import Registration, RegistrationStatus
from sapa.events.services import normalize_email
from sapa.live.services import Participant

COOKIE = "sapa_live"
ANON_COOKIE = "sapa_live_anon"
SALT = "sapa.live.participant"
ANON_SALT = "sapa.live.anonymous"
MAX_AGE = 60 * 60 * 24 * 14


def board_path(event) -> str:
    return f"/e/{event.slug}/live/"


def _token_hash(registration) -> str:
    return hashlib.sha256(registration.manage_token.encode()).hexdigest()[:16]


def set_participant_cookie(response, registration) -> None:
    event = registration.event
    value = f"{event.pk}:{registration.public_id}:{_token_hash(registration)}"
    response.set_signed_cookie(COOKIE, value, salt=SALT, max_age=MAX_AGE, path=board_path(event),
                               httponly=True, samesite="Lax", secure=settings.HTTPS)


def known_registration(request, event) -> Registration | None:
    """The registration the cookie names, if it is valid for this event; else None."""
    value = request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=MAX_AGE)
    if not value:
        return None
    try:
        event_id, public_id, token_hash = value.split(":")
    except ValueError:
        return None
    if event_id != str(event.pk):
        return None
    registration = (Registration.objects.filter(event=event, public_id=public_id)
                    .exclude(status=RegistrationStatus.CANCELLED).filter(anonymized_at__isnull=True).first())
    if registration is None or not hmac.compare_digest(_token_hash(registration), token_hash):
        return None
    return registration


def registration_by_email(event, email: str) -> Registration | None:
    """The event's active (confirmed or waiting) registration with this email, else None.

    For the board's sign-in by email: a participant who scans the presenter screen's
    QR code has no personal-link cookie on that phone.
    """
    key = normalize_email(email or "")
    if not key:
        return None
    registration = (Registration.objects.select_related("event")
                    .filter(event=event, email_normalized=key, anonymized_at__isnull=True).first())
    return registration if registration is not None and registration.is_active else None


def anonymous_id(request) -> str | None:
    return request.get_signed_cookie(ANON_COOKIE, default=None, salt=ANON_SALT, max_age=MAX_AGE)


def set_anonymous_cookie(response, event, anon_id: str) -> None:
    response.set_signed_cookie(ANON_COOKIE, anon_id, salt=ANON_SALT, max_age=MAX_AGE, path=board_path(event),
                               httponly=True, samesite="Lax", secure=settings.HTTPS)


def new_anonymous_id() -> str:
    return secrets.token_urlsafe(18)


def anonymous_key(anon_id: str) -> str:
    return "a:" + hashlib.sha256(anon_id.encode()).hexdigest()[:32]


def participant_for(request, event, board, *, create_anonymous=False) -> tuple[Participant | None, str | None]:
    """(the participant, a new anonymous id to set as a cookie or None).

    Known participants first; otherwise an anonymous one when the board allows
    it (created when `create_anonymous`); otherwise None.
    """
    registration = known_registration(request, event)
    if registration is not None:
        return Participant(key=f"r:{registration.pk}", registration=registration), None
    if not board.allow_anonymous:
        return None, None
    anon_id = anonymous_id(request)
    if anon_id:
        return Participant(key=anonymous_key(anon_id)), None
    if create_anonymous:
        anon_id = new_anonymous_id()
        return Participant(key=anonymous_key(anon_id)), anon_id
    return None, None
