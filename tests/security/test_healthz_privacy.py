"""/healthz is public: a generic state, never the text of a database or queue error (issue 11, item 9)."""

from unittest import mock

import pytest

pytestmark = pytest.mark.django_db

SECRET_TEXT = 'connection to server at "10.0.0.7", port 5432 failed: password authentication failed for user "sapa"'


def test_database_error_text_is_not_shown(client, caplog):
    from django.db import connection

    with mock.patch.object(connection, "cursor", side_effect=Exception(SECRET_TEXT)):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.content.decode()
    assert "10.0.0.7" not in body and "password" not in body and "sapa" not in body
    assert response.json()["checks"]["database"] == {"ok": False, "error": "unavailable"}
    # The operator still finds the reason in the log.
    assert "10.0.0.7" in caplog.text


def test_queue_error_text_is_not_shown(client):
    from huey.contrib.djhuey import HUEY

    with mock.patch.object(type(HUEY.storage), "queue_size", side_effect=OSError(SECRET_TEXT)):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "10.0.0.7" not in response.content.decode()
    assert response.json()["checks"]["queue"] == {"ok": False, "error": "unavailable"}
