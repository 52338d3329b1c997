"""Issue 15, item 1: every staff page of one event (`.../<int:event_id>/...` under the staff
URL conf, whatever app it belongs to) refuses another library's event.

The admin of library A (every role, so no role check is what refuses), logged in, asks
each such URL with A's own slug and the id of an event of library B: 404, GET and POST.
An anonymous visitor is sent to the login page. 405 is accepted only where the method is
refused before anything is looked up, and never for both methods of a URL. The routes
are read from the URL conf, so a page added later is covered without touching this test.

Other ids in the route are filled with library B's objects where the test makes one
(registration, check-in window, report import), else with an id nobody has. A control
proves the 404s come from the event: with A's own event, the same GETs are not 404.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from sapa.attendance.models import CheckInWindow, ReportImport
from sapa.events import services
from sapa.events.models import Event, EventStatus

pytestmark = pytest.mark.django_db

STAFF_PREFIX = "staff/<slug:slug>/"
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
MISSING = 987654321
WORDS = {"action": "call", "layout": "classic", "size": "portrait", "key": "channels", "fmt": "csv"}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def event_routes() -> list[str]:
    """Every staff route of one event, from the URL conf."""
    return sorted({r for r in _walk(get_resolver().url_patterns)
                   if r.startswith(STAFF_PREFIX) and "<int:event_id>" in r})


def _make_event(library, slug):
    now = timezone.now()
    event = Event.objects.create(
        library=library, slug=slug, title="Sharing Session", capacity=10,
        starts_at=now + timedelta(days=5), ends_at=now + timedelta(days=5, hours=2),
        registration_opens_at=now - timedelta(days=1), status=EventStatus.PUBLISHED,
    )
    services.create_default_categories(event)
    return event


def _fill(route: str, slug: str, ids: dict) -> str:
    def value(match):
        name = match.group(2)
        if name == "slug":
            return slug
        if name in WORDS:
            return WORDS[name]
        return str(ids.get(name, MISSING))

    return "/" + PARAM.sub(value, route)


def _is_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _ask(client, url):
    return client.get(url), client.post(url)


@pytest.fixture
def setting(library, other_library):
    event_b = _make_event(other_library, "acara-b")
    registration = services.register(event_b, name="Siti Rahmawati", email="siti@example.org",
                                      consent=True).registration
    now = timezone.now()
    window = CheckInWindow.objects.create(event=event_b, code="ABCD1234", opens_at=now,
                                          closes_at=now + timedelta(hours=1))
    report = ReportImport.objects.create(event=event_b, file_name="zoom.csv", format="csv")
    ids_b = {"event_id": event_b.pk, "registration_id": registration.pk, "window_id": window.pk,
             "import_id": report.pk}
    return library, ids_b


def test_the_routes_are_found():
    routes = event_routes()
    apps = {"attendance", "certificates", "live", "zoom", "prizes", "promotion", "survey", "whatsapp"}
    assert len(routes) > 60
    assert all(any(f"/{app}" in r for r in routes) for app in apps)


def test_another_librarys_event_is_not_found_on_any_event_page(setting, admin_user):
    library, ids_b = setting
    client = Client()
    client.force_login(admin_user, backend="sapa.libraries.auth.EmailBackend")
    wrong = []
    for route in event_routes():
        url = _fill(route, library.slug, ids_b)
        get, post = _ask(client, url)
        codes = (get.status_code, post.status_code)
        if not (set(codes) <= {404, 405} and 404 in codes):
            wrong.append(f"{url}: GET {codes[0]}, POST {codes[1]}")
    assert not wrong, "\n".join(wrong)


def test_anonymous_visitors_are_sent_to_the_login_page(setting):
    library, ids_b = setting
    client = Client()
    wrong = []
    for route in event_routes():
        url = _fill(route, library.slug, ids_b)
        get, post = _ask(client, url)
        logins = [_is_login(r) for r in (get, post)]
        if not (any(logins) and all(ok or r.status_code == 405 for ok, r in zip(logins, (get, post), strict=True))):
            wrong.append(f"{url}: GET {get.status_code}, POST {post.status_code}")
    assert not wrong, "\n".join(wrong)


def test_control_the_librarys_own_event_is_found(library, admin_user):
    """The same GETs with A's own event answer (200, a redirect, or 405 for a form's POST-only
    action): the 404s above are the event check's, not a broken URL."""
    event_a = _make_event(library, "acara-a")
    client = Client()
    client.force_login(admin_user, backend="sapa.libraries.auth.EmailBackend")
    found = []
    for route in event_routes():
        names = {m.group(2) for m in PARAM.finditer(route)} - {"slug"} - set(WORDS)
        if names != {"event_id"} or route.endswith("/stream/"):
            continue  # another object's id would 404 on its own; a stream would hold a subscription open
        response = client.get(_fill(route, library.slug, {"event_id": event_a.pk}))
        found.append(route)
        assert response.status_code != 404, route
    assert len(found) > 40
