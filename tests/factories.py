"""Factories of test data, one of each: plain functions, keyword arguments, sensible defaults.

Import what you use (`from factories import make_event, make_registration`): pytest puts
tests/ on the path because tests/conftest.py lives there. A test folder whose tests share
other defaults wraps a factory (e.g. `make_event = partial(factories.make_event, ...)`).

Times: `starts_at`, `ends_at`, `registration_opens_at` and `registration_closes_at` take a
datetime, or a timedelta counted from now (`starts_at=-timedelta(hours=3)`: began three hours ago).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from sapa.events import services as event_services
from sapa.events.models import Event, EventStatus, Registration, RegistrationStatus
from sapa.libraries.models import Library, Membership, Role, User

PASSWORD = "correct-horse-battery-staple"
JAKARTA = ZoneInfo("Asia/Jakarta")
# The article's sharing session: Tuesday 21 July 2020, 09.00 WIB.
ARTICLE_SESSION = datetime(2020, 7, 21, 9, 0, tzinfo=JAKARTA)

_TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def make_user(email="staff@example.org", password=PASSWORD, **extra) -> User:
    return User.objects.create_user(email, password, **extra)


def make_library(slug="perpus-a", name="Perpustakaan A", members=(), **extra) -> Library:
    """A library; `members` are (user, role) pairs."""
    library = Library.objects.create(slug=slug, name=name, **extra)
    for user, role in members:
        make_membership(user, library, role)
    return library


def make_membership(user, library, role=Role.STAFF) -> Membership:
    return Membership.objects.create(user=user, library=library, role=role)


def make_member(library, role=Role.STAFF, email=None, **extra) -> User:
    """A new user who is a member of `library` with `role` (email `{role}-{library slug}@example.org`)."""
    user = make_user(email or f"{role}-{library.slug}@example.org", **extra)
    make_membership(user, library, role)
    return user


def make_event(library, *, slug="sharing-session", title="Sharing Session Media Sosial", capacity=100,
               starts_at=timedelta(days=7), ends_at=None, status=EventStatus.PUBLISHED, categories=True,
               **fields) -> Event:
    """A published event of `library` with 100 seats, a week from now, two hours long (`ends_at`
    defaults to two hours after `starts_at`), with the default categories unless `categories=False`.
    Any other Event field goes through `fields`."""
    now = timezone.now()
    fields.update(starts_at=starts_at, ends_at=ends_at)
    for name in _TIMES:
        if isinstance(fields.get(name), timedelta):
            fields[name] = now + fields[name]
    if fields["ends_at"] is None:
        fields["ends_at"] = fields["starts_at"] + timedelta(hours=2)
    event = Event.objects.create(library=library, slug=slug, title=title, capacity=capacity, status=status,
                                 **fields)
    if categories:
        event_services.create_default_categories(event)
    return event


def make_registration(event, name="Budi Santoso", email=None, *, status=RegistrationStatus.CONFIRMED,
                      **fields) -> Registration:
    """A registration written as it is (no rules, no mail); for one through the rules use
    `sapa.events.services.register`. The email defaults to the first name at example.org."""
    email = email or f"{name.split()[0].lower()}@example.org"
    return Registration.objects.create(event=event, status=status, name=name, email=email,
                                       email_normalized=email.lower(), **fields)
