"""The raise-hand queue: arrival order, raise and lower one's own, call next, lower one,
lower all, switch off."""

from django.urls import reverse

from sapa.libraries.models import Role
from sapa.live import services
from sapa.live.models import Hand, HandStatus


def _raise(client, event, fetch=True):
    headers = {"X-Requested-With": "fetch"} if fetch else {}
    return client.post(reverse("live-hand", args=[event.slug]), {"action": "raise"}, headers=headers)


def _names(event):
    return [h.registration.name.split()[0] for h in services.hand_queue(event)]


def test_hands_queue_in_arrival_order_and_the_moderator_calls_them_in_turn(
        member_client, library, event, make_registration, board_client):
    people = [make_registration(n) for n in ("Budi Santoso", "Sari Wulandari", "Dewi Lestari")]
    clients = [board_client(p) for p in people]
    for client in (clients[1], clients[0], clients[2]):
        assert _raise(client, event).status_code == 200
    assert _names(event) == ["Sari", "Budi", "Dewi"]
    page = clients[2].get(reverse("live-board", args=[event.slug])).content.decode()
    assert "nomor 3 dalam antrean" in page

    moderator = member_client(Role.STAFF)
    call = reverse("live-hands-action", args=[library.slug, event.pk, "call"])
    moderator.post(call)
    assert [(h.registration.name.split()[0], h.status) for h in services.hand_queue(event)] == [
        ("Sari", "called"), ("Budi", "raised"), ("Dewi", "raised")]
    page = clients[1].get(reverse("live-board", args=[event.slug])).content.decode()
    assert "Anda dipanggil" in page
    moderator.post(call)  # Sari is done; Budi's turn
    assert [(h.registration.name.split()[0], h.status) for h in services.hand_queue(event)] == [
        ("Budi", "called"), ("Dewi", "raised")]
    assert Hand.objects.get(registration=people[1]).status == HandStatus.LOWERED


def test_a_participant_raises_once_and_lowers_their_own(db, event, make_registration, board_client):
    budi = make_registration("Budi Santoso")
    client = board_client(budi)
    assert _raise(client, event).status_code == 200
    response = _raise(client, event)
    assert response.status_code == 400 and response.json()["message"] == "Tangan Anda sudah terangkat."
    response = client.post(reverse("live-hand", args=[event.slug]), {"action": "lower"})
    assert response.status_code == 302
    assert _names(event) == []
    assert _raise(client, event).status_code == 200  # up again: at the end of the queue
    assert Hand.objects.filter(registration=budi).count() == 2


def test_the_moderator_lowers_one_or_all_and_switches_hands_off(
        member_client, library, event, make_registration, board_client):
    people = [make_registration(n) for n in ("Budi Santoso", "Sari Wulandari", "Dewi Lestari")]
    for person in people:
        _raise(board_client(person), event)
    moderator = member_client(Role.STAFF)
    sari_hand = Hand.objects.get(registration=people[1])
    moderator.post(reverse("live-hand-lower", args=[library.slug, event.pk, sari_hand.pk]))
    assert _names(event) == ["Budi", "Dewi"]
    response = moderator.post(reverse("live-hands-action", args=[library.slug, event.pk, "lower_all"]), follow=True)
    assert "Semua tangan diturunkan (2)." in response.content.decode()
    assert _names(event) == []

    moderator.post(reverse("live-hands-action", args=[library.slug, event.pk, "off"]))
    response = _raise(board_client(people[0]), event)
    assert response.status_code == 400
    assert response.json()["message"] == "Angkat tangan sedang dimatikan."
    page = board_client(people[0]).get(reverse("live-board", args=[event.slug])).content.decode()
    assert "live-hand-form" not in page
    moderator.post(reverse("live-hands-action", args=[library.slug, event.pk, "on"]))
    assert _raise(board_client(people[0]), event).status_code == 200


def test_a_hand_of_another_event_is_not_in_this_queue(member_client, library, event, other_event,
                                                       make_registration, board_client):
    elsewhere = make_registration("Eka Putra", target=other_event)
    _raise(board_client(elsewhere), other_event)
    hand = Hand.objects.get()
    moderator = member_client(Role.STAFF)
    response = moderator.post(reverse("live-hand-lower", args=[library.slug, event.pk, hand.pk]), follow=True)
    assert "Tangan itu tidak ada di antrean ini." in response.content.decode()
    hand.refresh_from_db()
    assert hand.status == HandStatus.RAISED
