"""A database that cannot be reached or written answers 503 with a short page, not 500."""

from unittest import mock

from django.db import OperationalError
from django.db.backends.utils import CursorWrapper


def _down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def test_public_page_says_try_again_in_the_visitors_language(client, db):
    with (
        mock.patch.object(CursorWrapper, "execute", _down),
        mock.patch.object(CursorWrapper, "executemany", _down),
    ):
        answer = client.get("/")
    assert answer.status_code == 503
    assert answer["Retry-After"] == "30"
    body = answer.content.decode()
    assert "Coba lagi sebentar lagi" in body and "Connection refused" not in body


def test_api_answers_json(client, db):
    with (
        mock.patch.object(CursorWrapper, "execute", _down),
        mock.patch.object(CursorWrapper, "executemany", _down),
    ):
        answer = client.get("/api/v1/events")
    assert answer.status_code == 503
    assert answer.json()["code"] == "unavailable"
