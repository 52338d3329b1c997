"""Door prizes state which tracks may win (issue 16 item 4): a seat, the overflow stream, or both."""

import pytest
from prize_helpers import add_prize, attend, ended_event_fixture, register  # noqa: F401

from sapa.events.models import Registration, RegistrationStatus
from sapa.prizes import services
from sapa.prizes.models import Draw

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracks_event(ended_event):
    people = register(ended_event, 6)
    Registration.objects.filter(pk__in=[p.pk for p in people[3:]]).update(
        status=RegistrationStatus.STREAM
    )
    attend(people)
    add_prize(ended_event, "Buku", 6)
    return ended_event, people[:3], people[3:]


def _ids(event, **rules):
    return {r.pk for r in services.eligible_registrations(event, exclude_staff=False, **rules)}


def test_both_tracks_by_default_one_when_chosen(tracks_event):
    event, seats, watchers = tracks_event
    everyone = {p.pk for p in seats + watchers}
    assert _ids(event) == everyone
    assert _ids(event, tracks=["seat"]) == {p.pk for p in seats}
    assert _ids(event, tracks=["stream"]) == {p.pk for p in watchers}


def test_staff_draw_for_the_stream_only_and_the_public_page_says_so(
    tracks_event, admin_client, library, client
):
    event, seats, watchers = tracks_event
    response = admin_client.post(
        f"/staff/{library.slug}/events/{event.pk}/prizes/draws/new/",
        {
            "require_attended": "on",
            "one_prize_per_person": "on",
            "claim_days": "7",
            "tracks": ["stream"],
        },
    )
    assert response.status_code == 302
    draw = Draw.objects.get(event=event)
    assert draw.tracks == ["stream"] and len(draw.entries) == len(watchers)
    assert set(draw.entry_rows.values_list("registration_id", flat=True)) == {
        p.pk for p in watchers
    }
    page = client.get(f"/undian/{draw.public_id}/").content.decode()
    assert "menonton siaran langsung" in page
    assert client.get(f"/undian/{draw.public_id}/data.json").json()["rules"]["tracks"] == ["stream"]


def test_a_draw_without_a_track_ticked_is_for_both(tracks_event, admin_client, library):
    event, seats, watchers = tracks_event
    admin_client.post(
        f"/staff/{library.slug}/events/{event.pk}/prizes/draws/new/",
        {"require_attended": "on", "claim_days": "7"},
    )
    draw = Draw.objects.get(event=event)
    assert sorted(draw.tracks) == ["seat", "stream"] and len(draw.entries) == 6
