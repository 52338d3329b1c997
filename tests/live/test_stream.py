"""The update log and the Server-Sent Events stream: numbering, catch-up by Last-Event-ID,
reload for a gap too old, live delivery through the hub, heartbeats, the end of a stream,
and no database connection held while streaming."""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from sapa.live import services, streaming
from sapa.live.hub import hub
from sapa.live.models import Board, Update


@pytest.fixture
def short_streams(settings):
    settings.SAPA_LIVE_STREAM_SECONDS = 0.5


@pytest.fixture
def open_board(event):
    return Board.objects.create(event=event, allow_anonymous=True)


def _participant(registration):
    return services.Participant(f"r:{registration.pk}", registration)


def _events(raw: bytes) -> list[dict]:
    """The SSE events of a body: [{"id": .., "event": .., "data": ..}] (comments left out)."""
    found = []
    for block in raw.decode().split("\n\n"):
        fields = {}
        for line in block.split("\n"):
            if line and not line.startswith(":") and ":" in line:
                name, _, value = line.partition(":")
                fields[name] = value.strip()
        if "data" in fields or "event" in fields:
            found.append(fields)
    return found


def _read_all(response) -> bytes:
    return b"".join(response.streaming_content)


def test_every_change_appends_a_numbered_update_in_its_transaction(transactional_db, event, make_registration):
    budi, sari = make_registration("Budi Santoso"), make_registration("Sari Wulandari")
    question = services.post_question(event, _participant(budi), "Satu")
    services.vote(event, _participant(sari), question.pk)
    services.raise_hand(event, _participant(sari))
    with pytest.raises(services.Refused):
        services.vote(event, _participant(sari), question.pk)  # a second vote: refused, nothing logged
    updates = list(Update.objects.filter(event=event).values_list("seq", "kind"))
    assert updates == [(1, "question"), (2, "question"), (3, "hand")]
    assert Board.objects.get(event=event).last_seq == 3
    assert Update.objects.get(seq=2).payload["q"]["votes"] == 1


def test_a_reconnecting_screen_catches_up_from_last_event_id(transactional_db, event, open_board,
                                                            make_registration, short_streams):
    budi = make_registration("Budi Santoso")
    for text in ("Satu", "Dua", "Tiga"):
        services.post_question(event, _participant(budi), text)
    response = Client().get(reverse("live-stream", args=[event.slug]), headers={"Last-Event-ID": "1"})
    assert response["Content-Type"].startswith("text/event-stream")
    events = _events(_read_all(response))
    assert [e["id"] for e in events] == ["2", "3"]
    assert [json.loads(e["data"])["q"]["text"] for e in events] == ["Dua", "Tiga"]
    # The page's own number (?after=) when there is no header yet; the header wins on reconnects.
    response = Client().get(reverse("live-stream", args=[event.slug]) + "?after=2")
    assert [e["id"] for e in _events(_read_all(response))] == ["3"]
    response = Client().get(reverse("live-stream", args=[event.slug]) + "?after=0",
                            headers={"Last-Event-ID": "3"})
    assert _events(_read_all(response)) == []


def test_a_gap_too_old_or_unknown_gets_a_reload_event(transactional_db, event, open_board, make_registration,
                                                     short_streams, monkeypatch):
    budi = make_registration("Budi Santoso")
    for n in range(5):
        services.post_question(event, _participant(budi), f"Pertanyaan {n}")
    monkeypatch.setattr(streaming, "CATCHUP_MAX", 3)
    url = reverse("live-stream", args=[event.slug])
    assert _events(_read_all(Client().get(url, headers={"Last-Event-ID": "1"}))) == [
        {"event": "reload", "data": "{}"}]
    assert _events(_read_all(Client().get(url, headers={"Last-Event-ID": "99"}))) == [
        {"event": "reload", "data": "{}"}]
    Update.objects.filter(event=event, seq=4).delete()  # the log no longer holds it
    assert _events(_read_all(Client().get(url, headers={"Last-Event-ID": "3"}))) == [
        {"event": "reload", "data": "{}"}]
    assert [e["id"] for e in _events(_read_all(Client().get(url, headers={"Last-Event-ID": "4"})))] == ["5"]


def test_an_open_stream_receives_a_change_within_two_seconds(transactional_db, event, open_board,
                                                             make_registration, settings):
    settings.SAPA_LIVE_STREAM_SECONDS = 3
    budi = make_registration("Budi Santoso")
    response = Client().get(reverse("live-stream", args=[event.slug]))
    received = []

    def read():
        for chunk in response.streaming_content:
            received.append((time.monotonic(), chunk))

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.3)
    sent = time.monotonic()
    services.post_question(event, _participant(budi), "Langsung sampai?")
    reader.join(5)
    updates = [(at, e) for at, chunk in received for e in _events(chunk)]
    assert len(updates) == 1
    at, update = updates[0]
    assert json.loads(update["data"])["q"]["text"] == "Langsung sampai?"
    assert at - sent < 2.0
    assert hub.stream_count == 0  # the stream ended and left the hub


def test_heartbeats_keep_an_idle_stream_open(transactional_db, event, open_board, settings, monkeypatch):
    settings.SAPA_LIVE_STREAM_SECONDS = 0.5
    monkeypatch.setattr(streaming, "HEARTBEAT_SECONDS", 0.1)
    raw = _read_all(Client().get(reverse("live-stream", args=[event.slug])))
    assert raw.startswith(b"retry: 2000\n")
    assert raw.count(b": hb\n\n") >= 3


def test_a_stream_holds_no_database_connection(transactional_db, event, open_board, short_streams):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("Django never closes the in-memory SQLite test database; checked on PostgreSQL "
                    "and by tests/live/test_two_servers.py")
    connection.ensure_connection()
    response = Client().get(reverse("live-stream", args=[event.slug]))
    assert connection.connection is None
    chunks = iter(response.streaming_content)
    next(chunks)
    assert connection.connection is None
    list(chunks)


def test_a_full_process_answers_busy_and_the_client_retries(transactional_db, event, open_board, settings):
    settings.SAPA_LIVE_STREAMS = 1
    settings.SAPA_LIVE_STREAM_SECONDS = 0.5
    first = Client().get(reverse("live-stream", args=[event.slug]))
    second = Client().get(reverse("live-stream", args=[event.slug]))
    assert second.status_code == 503 and second["Retry-After"]
    _read_all(first)
    third = Client().get(reverse("live-stream", args=[event.slug]))
    assert third.status_code == 200
    _read_all(third)


def test_with_redis_down_updates_still_arrive_by_polling(transactional_db, event, open_board,
                                                         make_registration, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.SAPA_LIVE_STREAM_SECONDS = 3
    budi = make_registration("Budi Santoso")
    response = Client().get(reverse("live-stream", args=[event.slug]))
    received = []
    reader = threading.Thread(target=lambda: received.extend(
        (time.monotonic(), c) for c in response.streaming_content))
    reader.start()
    time.sleep(0.3)
    sent = time.monotonic()
    services.post_question(event, _participant(budi), "Tanpa Redis?")
    reader.join(5)
    updates = [(at, e) for at, chunk in received for e in _events(chunk)]
    assert [json.loads(e["data"])["q"]["text"] for _, e in updates] == ["Tanpa Redis?"]
    assert updates[0][0] - sent < 2.0
