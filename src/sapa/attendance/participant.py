"""The attendance section of a participant's personal page."""

from django.template.loader import render_to_string

from sapa.attendance import services
from sapa.events.models import RegistrationStatus


def section(registration, request) -> str:
    """HTML for the personal page: the check-in form while a window is open, the time of
    the check-in once done, or "" (nothing to say)."""
    event = registration.event
    if registration.status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.STREAM) or event.is_cancelled:
        return ""
    window = services.open_window(event)
    # The check-in of the open window's moment (start or end); else the one at the start.
    at = services.checked_in_at(registration, window.moment if window else "start")
    if at:
        window = None
    if at is None and window is None:
        return ""
    return render_to_string("attendance/public/_participant_section.html", {
        "registration": registration, "event": event, "checked_in_at": at, "window": window,
    }, request=request)
