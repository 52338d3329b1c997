"""Issue 11, item 9: a draw's published entries cannot be mapped back to registration ids.

Entries used to be SHA-256(salt:registration id) with the salt published next to them;
ids are small numbers, so anyone could hash 1..N and learn whose entry won. Now each
entry is random per registration and round; only the server knows whose it is."""

import hashlib
import json

from django.test import Client

from sapa.events.models import Registration
from sapa.prizes import services
from sapa.prizes.models import DrawEntry, Prize

from .privacy_helpers import make_event, register


def _published(draw) -> dict:
    response = Client().get(f"/undian/{draw.public_id}/data.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_hashing_every_registration_id_with_any_published_or_stored_salt_finds_no_entry(library):
    event = make_event(library)
    people = register(event, 12, attended=True)
    Prize.objects.create(event=event, name="Payung", quantity=3, position=0)
    draw = services.prepare_draw(event)
    data = _published(draw)
    published = set(data["entries"])
    assert len(published) == 12

    largest = Registration.objects.order_by("-pk").values_list("pk", flat=True).first()
    salts = {draw.salt, data.get("salt", "")}
    guesses = {
        hashlib.sha256(f"{salt}:{i}".encode()).hexdigest()
        for salt in salts
        for i in range(1, largest + 1000)
    }
    assert not guesses & published
    # Nor does the page or its JSON carry an id or a name.
    page = Client().get(f"/undian/{draw.public_id}/").content.decode()
    for person in people:
        assert person.name not in page and person.email not in page
        assert f'"{person.pk}"' not in json.dumps(data)

    # The participant still finds their own entry (their personal page shows it).
    mine = DrawEntry.objects.get(draw=draw, registration=people[0]).entry
    assert mine in published


def test_the_same_people_get_unrelated_entries_in_the_next_round(library):
    event = make_event(library)
    register(event, 6, attended=True)
    Prize.objects.create(event=event, name="Payung", quantity=2, position=0)
    first, _ = services.run_draw(
        services.prepare_draw(event, winners_count=1, one_prize_per_person=False)
    )
    second = services.prepare_draw(event, winners_count=1, one_prize_per_person=False)
    assert not set(_published(first)["entries"]) & set(_published(second)["entries"])
