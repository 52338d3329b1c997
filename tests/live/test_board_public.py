"""The public board: entering through the personal link, posting, voting once, sorting, the
anonymous switch, what participants see (never an email), and the forms without JavaScript."""

from django.test import Client
from django.urls import reverse
from live_helpers import board_url, enter_url

from sapa.live import services
from sapa.live.models import Board, LiveQuestion, Update, Vote


def _ask(client, event, text, fetch=False):
    headers = {"X-Requested-With": "fetch"} if fetch else {}
    return client.post(board_url(event), {"text": text}, headers=headers)


def test_the_personal_page_links_to_the_board_and_the_link_lets_the_participant_ask(
        db, event, make_registration):
    budi = make_registration("Budi Santoso")
    client = Client()
    page = client.get(reverse("registration-manage", args=[budi.public_id, budi.manage_token]))
    assert enter_url(budi) in page.content.decode()
    response = client.get(enter_url(budi))
    assert response.status_code == 302 and response["Location"] == board_url(event)
    cookie = response.cookies["sapa_live"]
    assert cookie["httponly"] and cookie["path"] == "/e/sharing-session/live/"
    assert budi.manage_token not in response["Location"]

    response = _ask(client, event, "  Bagaimana   mengukur engagement di Instagram?  ")
    assert response.status_code == 302
    question = LiveQuestion.objects.get()
    assert question.text == "Bagaimana mengukur engagement di Instagram?"
    assert question.registration == budi
    page = client.get(response["Location"]).content.decode()
    assert "Pertanyaan Anda sudah ada di papan." in page
    assert "Bagaimana mengukur engagement di Instagram?" in page


def test_participants_see_first_names_and_never_emails(db, event, make_registration, board_client):
    budi = make_registration("Budi Santoso", email="budi.santoso@contoh.id")
    sari = make_registration("Sari Wulandari", email="sari@contoh.id")
    _ask(board_client(budi), event, "Apa itu konten evergreen?")
    page = board_client(sari).get(board_url(event)).content.decode()
    assert "Apa itu konten evergreen?" in page
    assert "Budi" in page
    assert "Santoso" not in page and "budi.santoso@contoh.id" not in page and "sari@contoh.id" not in page


def test_a_wrong_token_or_another_events_cookie_is_refused(db, event, other_event, make_registration):
    budi = make_registration("Budi Santoso")
    client = Client()
    assert client.get(reverse("live-enter", args=[event.slug, budi.public_id, "salah"])).status_code == 404
    # The right token, but through another event's board: not found either.
    assert client.get(reverse("live-enter", args=[other_event.slug, budi.public_id,
                                                  budi.manage_token])).status_code == 404
    # Budi's valid cookie, carried to the other event's board by hand: not a participant there.
    client.get(enter_url(budi))
    value = client.cookies["sapa_live"].value
    other = Client()
    other.cookies["sapa_live"] = value
    response = other.post(board_url(other_event), {"text": "Boleh tanya?"})
    assert response.status_code == 403
    assert "tautan pribadi" in response.content.decode()
    # A forged cookie is no one.
    forged = Client()
    forged.cookies["sapa_live"] = f"{event.pk}:{budi.public_id}:0000"
    assert forged.post(board_url(event), {"text": "Boleh tanya?"}).status_code == 403
    assert not LiveQuestion.objects.exists()


def test_a_cancelled_registration_no_longer_takes_part(db, event, make_registration, board_client):
    from sapa.events.services import cancel_registration

    budi = make_registration("Budi Santoso")
    client = board_client(budi)
    cancel_registration(budi, by="participant")
    assert _ask(client, event, "Masih bisa?").status_code == 403
    assert not LiveQuestion.objects.exists()


def test_anonymous_questions_only_when_the_board_allows_them(db, event):
    stranger = Client()
    page = stranger.get(board_url(event))
    assert page.status_code == 200
    assert "tautan pribadi" in page.content.decode()
    assert 'name="text"' not in page.content.decode()
    response = _ask(stranger, event, "Pertanyaan tanpa nama", fetch=True)
    assert response.status_code == 403
    assert "tautan pribadi" in response.json()["message"]
    assert stranger.get(reverse("live-stream", args=[event.slug])).status_code == 404
    assert not LiveQuestion.objects.exists()

    Board.objects.create(event=event, allow_anonymous=True)
    response = _ask(stranger, event, "Pertanyaan tanpa nama", fetch=True)
    assert response.status_code == 201, response.content
    question = LiveQuestion.objects.get()
    assert question.registration is None and question.author_key.startswith("a:")
    page = stranger.get(board_url(event)).content.decode()
    assert "Pertanyaan tanpa nama" in page and "Anonim" in page
    # The anonymous visitor cannot raise a hand: the moderator needs a name to call.
    response = stranger.post(reverse("live-hand", args=[event.slug]), {"action": "raise"})
    assert response.status_code == 403


def test_bad_questions_get_a_clear_message_and_change_nothing(db, event, make_registration, board_client):
    client = board_client(make_registration("Budi Santoso"))
    response = _ask(client, event, "   ")
    assert response.status_code == 400
    assert "Tulis pertanyaan Anda dulu." in response.content.decode()
    long_text = "kata " * 100
    response = _ask(client, event, long_text)
    assert response.status_code == 400
    page = response.content.decode()
    assert "paling banyak 300 karakter" in page
    assert long_text.strip()[:50] in page  # what was typed is kept in the form
    assert not LiveQuestion.objects.exists() and not Update.objects.exists()


def test_questions_are_rate_limited_per_participant(db, event, make_registration, board_client):
    client = board_client(make_registration("Budi Santoso"))
    for n in range(3):
        assert _ask(client, event, f"Pertanyaan {n}", fetch=True).status_code == 201
    response = _ask(client, event, "Pertanyaan keempat", fetch=True)
    assert response.status_code == 429
    assert "terlalu cepat" in response.json()["message"]
    assert LiveQuestion.objects.count() == 3
    # Someone else in the same room is not held back.
    other = board_client(make_registration("Sari Wulandari"))
    assert _ask(other, event, "Pertanyaan Sari", fetch=True).status_code == 201


def test_a_closed_board_takes_no_questions_or_votes(db, event, make_registration, board_client):
    budi = make_registration("Budi Santoso")
    question = services.post_question(event, services.Participant(key=f"r:{budi.pk}", registration=budi),
                                      "Sebelum ditutup")
    services.update_settings(event, is_open=False)
    client = board_client(make_registration("Sari Wulandari"))
    page = client.get(board_url(event)).content.decode()
    assert "Papan ditutup" in page and 'name="text"' not in page
    assert _ask(client, event, "Sesudah ditutup", fetch=True).status_code == 400
    response = client.post(reverse("live-vote", args=[event.slug, question.pk]), headers={"X-Requested-With": "fetch"})
    assert response.status_code == 400
    assert LiveQuestion.objects.count() == 1 and not Vote.objects.exists()


def test_a_participant_votes_once_and_never_for_their_own(db, event, make_registration, board_client):
    budi, sari = make_registration("Budi Santoso"), make_registration("Sari Wulandari")
    budi_client, sari_client = board_client(budi), board_client(sari)
    _ask(budi_client, event, "Berapa kali sehari sebaiknya mengunggah?")
    question = LiveQuestion.objects.get()
    vote_url = reverse("live-vote", args=[event.slug, question.pk])

    response = sari_client.post(vote_url)
    assert response.status_code == 302
    page = sari_client.get(response["Location"]).content.decode()
    assert "Suara Anda sudah dihitung." in page and "1 suara" in page and "Anda sudah memilih" in page
    response = sari_client.post(vote_url, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 400
    assert response.json()["message"] == "Anda sudah memilih pertanyaan ini."
    response = budi_client.post(vote_url, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 400
    assert "pertanyaan Anda sendiri" in response.json()["message"]
    question.refresh_from_db()
    assert question.votes == 1 and Vote.objects.count() == 1


def test_votes_race_and_count_once(transactional_db, event, make_registration):
    """Eight threads vote for one question as the same participant: one vote counts."""
    import threading

    import pytest
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory SQLite test database has no busy timeout across threads; "
                    "runs on PostgreSQL (SQLite writers are serialized by its write lock)")

    budi, sari = make_registration("Budi Santoso"), make_registration("Sari Wulandari")
    question = services.post_question(event, services.Participant(f"r:{budi.pk}", budi), "Satu suara?")
    sari_p = services.Participant(f"r:{sari.pk}", sari)
    barrier = threading.Barrier(8)
    outcomes = []

    def run():
        barrier.wait()
        try:
            services.vote(event, sari_p, question.pk)
            outcomes.append("ok")
        except services.Refused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    question.refresh_from_db()
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == 7
    assert question.votes == 1


def test_sorted_by_votes_or_newest_with_answered_last(db, event, make_registration):
    people = [make_registration(f"Peserta{n} Uji", email=f"p{n}@contoh.id") for n in range(4)]
    parts = [services.Participant(f"r:{p.pk}", p) for p in people]
    first = services.post_question(event, parts[0], "Pertama")
    second = services.post_question(event, parts[1], "Kedua")
    third = services.post_question(event, parts[2], "Ketiga")
    services.vote(event, parts[0], second.pk)
    services.vote(event, parts[2], second.pk)
    services.vote(event, parts[1], third.pk)
    services.moderate_question(event, first.pk, "answer")
    client = Client()
    Board.objects.filter(event=event).update(allow_anonymous=True)

    def order(sort):
        page = client.get(board_url(event, sort=sort)).content.decode()
        return sorted(["Pertama", "Kedua", "Ketiga"], key=lambda t: page.index(f'<p class="live-text">{t}'))

    assert order("top") == ["Kedua", "Ketiga", "Pertama"]
    assert order("new") == ["Ketiga", "Kedua", "Pertama"]


def test_hidden_questions_never_reach_participants(db, event, make_registration, board_client):
    budi = make_registration("Budi Santoso")
    question = services.post_question(event, services.Participant(f"r:{budi.pk}", budi), "Kata kasar di sini")
    services.moderate_question(event, question.pk, "hide")
    page = board_client(make_registration("Sari Wulandari")).get(board_url(event)).content.decode()
    assert "Kata kasar di sini" not in page
    last = Update.objects.order_by("-seq").first()
    assert last.payload["q"]["hidden"] is True and "text" not in last.payload["q"]


def test_the_board_page_is_light(db, event, make_registration, board_client):
    from pathlib import Path

    import sapa

    client = board_client(make_registration("Budi Santoso"))
    for n in range(3):
        _ask(client, event, f"Pertanyaan nomor {n}")
    page = client.get(board_url(event)).content
    static = Path(sapa.__file__).parent
    css_js = sum((static / p).stat().st_size for p in (
        "static/sapa/sapa.css", "live/static/live/live.css", "live/static/live/board.js"))
    assert len(page) + css_js < 100_000


def test_the_personal_page_shows_no_board_long_after_the_event(db, event, make_registration):
    from datetime import timedelta

    from django.utils import timezone

    budi = make_registration("Budi Santoso")
    event.starts_at, event.ends_at = timezone.now() - timedelta(days=3), timezone.now() - timedelta(days=2)
    event.save()
    page = Client().get(reverse("registration-manage", args=[budi.public_id, budi.manage_token]))
    assert enter_url(budi) not in page.content.decode()
