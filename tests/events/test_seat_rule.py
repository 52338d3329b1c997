"""The seat rule is written twice (issue 15 item 6): in SQL inside the INSERT of a new
registration (`services._SeatInsert`, the hot path) and in Python for someone registering
again after cancelling (`services._register_again`, via `states.seat_status`). One property
test drives both with the same cases and checks they decide alike: a seat, the waiting list
or the stream.
"""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from public_helpers import make_event

from sapa.events import services, states
from sapa.events.models import Registration, RegistrationStatus

pytestmark = pytest.mark.django_db

S = RegistrationStatus
STREAM_URL = "https://www.youtube.com/live/abcDEF12345"

CASES = st.fixed_dictionaries({
    "capacity": st.integers(0, 3),
    # Statuses of the other registrations (confirmed may exceed the seats: staff added by hand).
    S.CONFIRMED: st.integers(0, 4),
    S.WAITLISTED: st.integers(0, 2),
    S.STREAM: st.integers(0, 2),
    S.CANCELLED: st.integers(0, 2),
    "overflow": st.sampled_from(["", "waitlist", "stream"]),
    "stream_link": st.booleans(),
    "category": st.booleans(),
})


def _register(event, email, case):
    category = event.categories.first() if case["category"] else None
    return services.register(event, name="Peserta", email=email, consent=True, category=category,
                             overflow=case["overflow"]).registration.status


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=CASES)
def test_the_sql_and_the_python_seat_rule_decide_alike(library, case):
    services._consent_cache.clear()  # its rows are rolled back with each case
    with transaction.atomic():
        event = make_event(library, capacity=case["capacity"], stream_url=STREAM_URL if case["stream_link"] else "")
        Registration.objects.bulk_create(
            Registration(event=event, status=status, name="X", email=f"{status}{n}@example.org",
                         email_normalized=f"{status}{n}@example.org")
            for status in (S.CONFIRMED, S.WAITLISTED, S.STREAM, S.CANCELLED) for n in range(case[status]))
        Registration.objects.create(event=event, status=S.CANCELLED, name="Again", email="again@example.org",
                                    email_normalized="again@example.org")
        expected = states.seat_status(capacity=case["capacity"], confirmed=case[S.CONFIRMED],
                                      waiting=case[S.WAITLISTED],
                                      overflow=services.overflow_status_for(event, case["overflow"]))

        with transaction.atomic():  # a new person: _SeatInsert decides in SQL
            by_sql = _register(event, "new@example.org", case)
            transaction.set_rollback(True)
        by_python = _register(event, "AGAIN@example.org", case)  # cancelled before: _register_again

        transaction.set_rollback(True)
    assert by_sql == by_python == expected, case
