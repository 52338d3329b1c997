"""`event_view(role)`: the tenant, role and event check of every staff page about one event.

Every app that has pages for one event (attendance, certificates, live,
meetings, prizes, promotion, survey, WhatsApp, events itself) decorates them
with `event_view(...)`; the view receives the event instead of its id.
It lives in `events` (not `libraries`) because libraries must not depend on
events (`tests/test_architecture.py`); it is `library_view` plus the lookup.
"""

from functools import wraps

from django.shortcuts import get_object_or_404

from sapa.events.models import Event
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view


def staff_event(library, event_id) -> Event:
    """The library's event `event_id`, or 404 (another library's event is not found)."""
    return get_object_or_404(Event.objects.select_related("library"), pk=event_id, library=library)


def event_view(role: str = Role.STAFF):
    """Decorate a staff view taking `slug` and `event_id`: it is called as view(request, event, ...).

    Strangers, other libraries' staff and members below `role` get what
    `library_view` gives them (the login page or 404); an event of another
    library is 404 too.
    """

    def decorator(view):
        @library_view(role)
        @wraps(view)
        def wrapper(request, event_id, *args, **kwargs):
            event = staff_event(request.library, event_id)
            request.event = event
            return view(request, event, *args, **kwargs)

        return wrapper

    return decorator
