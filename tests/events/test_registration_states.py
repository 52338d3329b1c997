"""The registration's transition table (sapa.events.states.TRANSITIONS) matches what the services do.

Every move in the table is made by some service (and the services make no other move:
ACTIONS lists each service path with the move it makes, and their moves are exactly the
table's); every move outside the table is refused by `states.move` and writes nothing.
"""

# ruff: noqa: F811 - pytest fixtures imported from public_helpers

import itertools

import pytest
from public_helpers import make_event

from sapa.events import services, states
from sapa.events.models import Registration, RegistrationStatus

pytestmark = pytest.mark.django_db

S = RegistrationStatus
STREAM_URL = "https://www.youtube.com/live/abcDEF12345"


def _row(event, n, status):
    """A registration in `status`, written directly (as the seat rule would have left it)."""
    return Registration.objects.create(
        event=event, status=status, name=f"Peserta {n}", email=f"p{n}@example.org",
        email_normalized=f"p{n}@example.org")


def _register(event, n, overflow=""):
    return services.register(event, name=f"Peserta {n}", email=f"P{n}@example.org", consent=True,
                             overflow=overflow).registration


# Each service path: (name, from, to, act(event, registration) -> the registration afterwards).
# The event has 2 seats and a stream link; `registration` is the one under test, alone unless
# the path's `others` (statuses of other registrations, created first) say otherwise.


def _cancel(by):
    def act(event, registration):
        services.cancel_registration(registration, by=by)
        return registration
    return act


def _cancel_event(event, registration):
    services.cancel_event(event)
    return registration


def _promote(event, registration):
    services.promote(registration)
    return registration


def _raise_quota(event, registration):
    event.capacity = 3
    event.save(update_fields=["capacity"])
    services.capacity_changed(event)
    return registration


def _free_a_seat(event, registration):
    """Someone confirmed cancels: the first person waiting gets the seat."""
    services.cancel_registration(event.registrations.filter(status=S.CONFIRMED).first(), by="participant")
    return registration


def _again(overflow=""):
    def act(event, registration):
        return _register(event, 0, overflow)
    return act


ACTIONS = [
    # (name, from, to, others, act)
    ("participant cancels a seat", S.CONFIRMED, S.CANCELLED, [], _cancel("participant")),
    ("staff cancel a seat", S.CONFIRMED, S.CANCELLED, [], _cancel("staff")),
    ("the event is cancelled (seat)", S.CONFIRMED, S.CANCELLED, [], _cancel_event),
    ("participant leaves the waiting list", S.WAITLISTED, S.CANCELLED, [S.CONFIRMED] * 2, _cancel("participant")),
    ("the event is cancelled (waiting)", S.WAITLISTED, S.CANCELLED, [S.CONFIRMED] * 2, _cancel_event),
    ("participant stops watching", S.STREAM, S.CANCELLED, [S.CONFIRMED] * 2, _cancel("participant")),
    ("the event is cancelled (stream)", S.STREAM, S.CANCELLED, [S.CONFIRMED] * 2, _cancel_event),
    ("a seat is freed", S.WAITLISTED, S.CONFIRMED, [S.CONFIRMED] * 2, _free_a_seat),
    ("staff promote", S.WAITLISTED, S.CONFIRMED, [S.CONFIRMED], _promote),
    ("the quota is raised", S.WAITLISTED, S.CONFIRMED, [S.CONFIRMED] * 2, _raise_quota),
    ("registering again, a seat", S.CANCELLED, S.CONFIRMED, [S.CONFIRMED], _again()),
    ("registering again, full", S.CANCELLED, S.WAITLISTED, [S.CONFIRMED] * 2, _again()),
    ("registering again, someone waits", S.CANCELLED, S.WAITLISTED, [S.CONFIRMED, S.WAITLISTED], _again()),
    ("registering again, full, the stream", S.CANCELLED, S.STREAM, [S.CONFIRMED] * 2, _again("stream")),
]


def test_the_services_make_exactly_the_moves_of_the_table():
    table = {(a, b) for a, targets in states.TRANSITIONS.items() for b in targets}
    made = {(before, after) for _name, before, after, _others, _act in ACTIONS}
    assert made == table
    assert set(states.TRANSITIONS) == set(S.values)


@pytest.mark.parametrize(("name", "before", "after", "others", "act"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_each_move_of_the_table_is_made_by_a_service(library, name, before, after, others, act):
    event = make_event(library, capacity=2, stream_url=STREAM_URL)
    for n, status in enumerate(others, start=1):
        _row(event, n, status)
    registration = _row(event, 0, before)
    registration = act(event, registration)
    registration.refresh_from_db()
    assert registration.status == after


OUTSIDE = [(a, b) for a, b in itertools.product(S.values, repeat=2) if not states.can_move(states.TRANSITIONS, a, b)]


@pytest.mark.parametrize(("before", "after"), OUTSIDE)
def test_a_move_outside_the_table_is_refused_and_writes_nothing(library, before, after):
    event = make_event(library)
    registration = _row(event, 0, before)
    row = Registration.objects.values().get(pk=registration.pk)
    with pytest.raises(states.InvalidTransition):
        states.move(registration, after, cancelled_by="staff")
    assert Registration.objects.values().get(pk=registration.pk) == row
    assert registration.status == before


@pytest.mark.parametrize(("before", "after"), sorted((a, b) for a, t in states.TRANSITIONS.items() for b in t))
def test_a_move_from_a_status_the_row_no_longer_has_writes_nothing(library, before, after):
    """Two people moving the same registration: the second one, who saw the old status, is refused."""
    event = make_event(library)
    registration = _row(event, 0, before)
    stale = Registration.objects.get(pk=registration.pk)
    states.move(registration, after)
    row = Registration.objects.values().get(pk=registration.pk)
    with pytest.raises(states.InvalidTransition):
        states.move(stale, after)
    assert Registration.objects.values().get(pk=registration.pk) == row


def test_the_services_refuse_what_the_table_refuses(library):
    event = make_event(library, capacity=2)
    seat = _row(event, 1, S.CONFIRMED)
    with pytest.raises(services.RegistrationRefused):
        services.promote(seat)  # confirmed → confirmed
    gone = _row(event, 2, S.CANCELLED)
    assert services.cancel_registration(gone, by="staff") is False  # cancelled → cancelled
    gone.refresh_from_db()
    assert gone.status == S.CANCELLED
