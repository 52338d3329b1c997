"""The moderator's page: all questions (hidden too), one on screen at a time, answered, hide,
restore, the board's switches, the presenter view; staff of the library only, audited."""

from django.test import Client
from django.urls import reverse

from sapa.libraries.models import AuditEntry, Role
from sapa.live import services
from sapa.live.models import Board, LiveQuestion


def _url(name, library, event, *args):
    return reverse(name, args=[library.slug, event.pk, *args])


def _post(participant_event, registration, text):
    return services.post_question(participant_event, services.Participant(f"r:{registration.pk}", registration),
                                  text)


def test_the_event_menu_links_to_the_board(admin_client, library, event):
    page = admin_client.get(reverse("staff-event-detail", args=[library.slug, event.pk])).content.decode()
    assert _url("live-moderate", library, event) in page


def test_only_one_question_is_on_screen(member_client, library, event, make_registration):
    client = member_client(Role.STAFF)
    budi = make_registration("Budi Santoso")
    first, second = _post(event, budi, "Pertama"), _post(event, budi, "Kedua")
    client.post(_url("live-question-action", library, event, first.pk, "show"))
    response = client.post(_url("live-question-action", library, event, second.pk, "show"))
    assert response.status_code == 302
    assert list(LiveQuestion.objects.filter(on_screen=True)) == [second]
    page = client.get(_url("live-present", library, event)).content.decode()
    assert "Kedua" in page and "Pertama" not in page
    # The board's address as a QR code, for participants who watch the shared screen.
    import base64
    import re

    src = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(src).lstrip().startswith(b"<?xml")
    assert "http://testserver/e/sharing-session/live/" in page
    assert AuditEntry.objects.filter(action="live.question.show").count() == 2


def test_answer_hide_and_restore(member_client, library, event, make_registration, board_client):
    client = member_client(Role.STAFF)
    budi = make_registration("Budi Santoso")
    question = _post(event, budi, "Apakah ada rekamannya?")
    client.post(_url("live-question-action", library, event, question.pk, "show"))
    client.post(_url("live-question-action", library, event, question.pk, "answer"))
    question.refresh_from_db()
    assert question.answered and not question.on_screen

    response = client.post(_url("live-question-action", library, event, question.pk, "hide"), follow=True)
    assert "Pertanyaan disembunyikan dari peserta." in response.content.decode()
    question.refresh_from_db()
    assert question.hidden
    participant_page = board_client(make_registration("Sari Wulandari")).get(
        reverse("live-board", args=[event.slug])).content.decode()
    assert "Apakah ada rekamannya?" not in participant_page
    moderator_page = client.get(_url("live-moderate", library, event)).content.decode()
    assert "Apakah ada rekamannya?" in moderator_page and "Disembunyikan" in moderator_page

    response = client.post(_url("live-question-action", library, event, question.pk, "show"), follow=True)
    assert "Pulihkan pertanyaan sebelum menampilkannya." in response.content.decode()
    client.post(_url("live-question-action", library, event, question.pk, "restore"))
    question.refresh_from_db()
    assert not question.hidden
    assert "Apakah ada rekamannya?" in board_client(make_registration("Dewi Lestari")).get(
        reverse("live-board", args=[event.slug])).content.decode()


def test_board_switches(member_client, library, event):
    client = member_client(Role.STAFF)
    client.post(_url("live-settings", library, event), {"allow_anonymous": "on", "hands_enabled": "on"})
    board = Board.objects.get(event=event)
    assert board.allow_anonymous and not board.is_open and board.hands_enabled
    assert AuditEntry.objects.filter(action="live.board.settings").exists()


def test_other_libraries_and_strangers_cannot_moderate(db, library, other_library, event, make_registration):
    from sapa.libraries.models import Membership

    budi = make_registration("Budi Santoso")
    question = _post(event, budi, "Rahasia?")
    other_admin = Membership.objects.get(library=other_library).user
    outsider = Client()
    outsider.force_login(other_admin, backend="sapa.libraries.auth.EmailBackend")
    for url in (_url("live-moderate", library, event), _url("live-present", library, event),
                _url("live-staff-stream", library, event)):
        assert outsider.get(url).status_code == 404
    # Their own library's address with this event's id: still not found.
    assert outsider.get(reverse("live-moderate", args=[other_library.slug, event.pk])).status_code == 404
    assert outsider.post(_url("live-question-action", library, event, question.pk, "hide")).status_code == 404
    anonymous = Client()
    assert anonymous.post(_url("live-question-action", library, event, question.pk, "hide")).status_code == 302
    question.refresh_from_db()
    assert not question.hidden


def test_the_moderator_sees_full_names_the_presenter_first_names(member_client, library, event,
                                                                 make_registration, board_client):
    client = member_client(Role.STAFF)
    budi = make_registration("Budi Santoso")
    board_client(budi).post(reverse("live-hand", args=[event.slug]), {"action": "raise"})
    assert "Budi Santoso" in client.get(_url("live-moderate", library, event)).content.decode()
    present = client.get(_url("live-present", library, event)).content.decode()
    assert "Budi" in present and "Santoso" not in present


def test_the_demo_board(db, library, admin_user):
    from django.apps import apps

    from sapa.events.demo import load_demo as load_events

    load_events(library, admin_user)
    config = apps.get_app_config("live")
    config.load_demo(library, admin_user)
    config.load_demo(library, admin_user)  # twice: nothing doubled
    event = library.events.get()
    assert LiveQuestion.objects.filter(event=event).count() == 4
    assert LiveQuestion.objects.filter(event=event, answered_at__isnull=False).count() == 1
    assert len(services.hand_queue(event)) == 2
    top = LiveQuestion.objects.filter(event=event).order_by("-votes").first()
    assert top.votes >= 3
