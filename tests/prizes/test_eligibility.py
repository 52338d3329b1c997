"""Each eligibility rule of a draw, alone (services.eligible_registrations and prepare_draw)."""

import pytest
from factories import make_member
from prize_helpers import add_prize, attend, ended_event_fixture, register  # noqa: F401

from sapa.attendance.services import record_attendance
from sapa.events import services as event_services
from sapa.libraries.models import Role
from sapa.prizes import services
from sapa.survey import services as survey_services

pytestmark = pytest.mark.django_db


def _ids(event, **rules):
    return [r.pk for r in services.eligible_registrations(event, **rules)]


NO_RULES = {"require_attended": False, "exclude_staff": False, "one_prize_per_person": False}


def test_registered_means_a_confirmed_registration(ended_event):
    people = register(ended_event, 3)
    event_services.cancel_registration(people[1], by="participant")
    assert _ids(ended_event, **NO_RULES) == [people[0].pk, people[2].pk]


def test_attended_follows_the_attendance_rule(ended_event):
    people = register(ended_event, 3)
    attend(people[:1])
    record_attendance(people[1], minutes=5)  # far below 70 % of the session: not attended
    assert _ids(ended_event, **{**NO_RULES, "require_attended": True}) == [people[0].pk]


def test_attended_at_least_n_minutes(ended_event):
    people = register(ended_event, 3)
    record_attendance(people[0], minutes=100)
    record_attendance(people[1], minutes=59)
    record_attendance(people[2], minutes=60)
    assert _ids(ended_event, **{**NO_RULES, "min_minutes": 60}) == [people[0].pk, people[2].pk]


def test_answered_the_survey(ended_event):
    people = register(ended_event, 3)
    survey_services.submit_response(people[2], rating=5)
    assert _ids(ended_event, **{**NO_RULES, "require_survey": True}) == [people[2].pk]


def test_not_staff_by_the_registration_email(ended_event, library, make_user):
    people = register(ended_event, 3)
    make_member(library, Role.STAFF, "P1@Example.org")
    assert _ids(ended_event, **{**NO_RULES, "exclude_staff": True}) == [people[0].pk, people[2].pk]
    # Staff of another library may win here.
    assert people[1].pk in _ids(ended_event, **NO_RULES)


def test_one_prize_per_person_across_rounds(ended_event):
    register(ended_event, 4)
    add_prize(ended_event, "Mug", 4)
    draw = services.prepare_draw(ended_event, winners_count=1, **NO_RULES)
    draw, _ = services.run_draw(draw)
    first = draw.winners.get().registration_id
    assert first not in _ids(ended_event, **{**NO_RULES, "one_prize_per_person": True})
    assert first in _ids(ended_event, **NO_RULES)


def test_an_unclaimed_winner_never_enters_again(ended_event):
    from datetime import timedelta

    from django.utils import timezone

    register(ended_event, 3)
    add_prize(ended_event, "Mug", 3)
    draw, _ = services.run_draw(services.prepare_draw(ended_event, winners_count=1, **NO_RULES))
    winner = draw.winners.get()
    assert services.expire_unclaimed(now=timezone.now() + timedelta(days=8)) == 1
    assert winner.registration_id not in _ids(ended_event, **NO_RULES)


def test_rules_are_combined_and_published(ended_event, library, make_user, client):
    people = register(ended_event, 5)
    attend(people[:4])
    survey_services.submit_response(people[0], rating=4)
    survey_services.submit_response(people[1], rating=4)
    survey_services.submit_response(people[4], rating=4)  # answered, never attended
    make_member(library, Role.EDITOR, "p1@example.org")
    add_prize(ended_event, "Buku", 2)
    draw = services.prepare_draw(ended_event, require_attended=True, require_survey=True)
    assert sorted(e.registration_id for e in draw.entry_rows.all()) == [people[0].pk]
    data = client.get(f"/undian/{draw.public_id}/data.json").json()
    assert data["rules"] == {"registered": True, "attended": True, "min_minutes": None, "answered_survey": True,
                             "not_staff": True, "one_prize_per_person": True, "tracks": ["seat", "stream"]}
    assert data["winners_count"] == 1  # fewer people than prizes


def test_nobody_eligible_is_refused_with_a_message(ended_event):
    register(ended_event, 2)
    add_prize(ended_event)
    with pytest.raises(services.PrizeError) as refused:
        services.prepare_draw(ended_event, require_attended=True)
    assert refused.value.code == "nobody"
    assert not ended_event.draws.exists()
