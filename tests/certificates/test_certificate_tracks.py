"""Certificates state which tracks they are for (issue 16 item 4): participants with a seat,
those who watched the overflow stream, or both."""

import pytest
from cert_helpers import add_registration, make_design, make_event
from django.urls import reverse
from test_uploads import _formdata

from sapa.certificates import services
from sapa.events.models import Registration, RegistrationStatus, Track

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(library):
    event = make_event(library)
    seat = add_registration(event, "Siti Rahmawati", "siti@example.org")
    watcher = add_registration(event, "Budi Santoso", "budi@example.org")
    Registration.objects.filter(pk=watcher.pk).update(status=RegistrationStatus.STREAM)
    add_registration(event, "Dewi Lestari", "dewi@example.org", attended=False)
    return event, seat, watcher


def _recipients(design):
    return {r.registration_id for r in services.recipients(design) if r.registration_id}


def test_both_tracks_by_default_and_one_when_chosen(people):
    event, seat, watcher = people
    design = make_design(event)
    assert _recipients(design) == {seat.pk, watcher.pk}
    design.tracks = [Track.STREAM]
    assert _recipients(design) == {watcher.pk}
    design.tracks = [Track.SEAT]
    assert _recipients(design) == {seat.pk}


def test_staff_choose_the_tracks_on_the_design_page(admin_client, library, people):
    event, seat, watcher = people
    design = make_design(event)
    url = reverse("certificates-design", args=[library.slug, event.pk, design.pk])
    data = _formdata(admin_client.get(url).context)
    data["design-tracks"] = ["stream"]
    assert admin_client.post(url, data).status_code == 302
    design.refresh_from_db()
    assert design.tracks == ["stream"]
    assert _recipients(design) == {watcher.pk}
    page = admin_client.get(
        reverse("certificates-event", args=[library.slug, event.pk])
    ).content.decode()
    assert "Peserta di" in page and "Siaran langsung" in page
    # None ticked: refused with a message, nothing changed.
    data["design-tracks"] = []
    response = admin_client.post(url, data)
    assert response.status_code == 400
    assert "Pilih kursi, siaran langsung, atau keduanya." in response.content.decode()
    design.refresh_from_db()
    assert design.tracks == ["stream"]
