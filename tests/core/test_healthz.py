from unittest import mock


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["queue"]["ok"] is True


def test_healthz_unhealthy_when_queue_storage_fails(client, db):
    from huey.contrib.djhuey import HUEY

    with mock.patch.object(type(HUEY.storage), "queue_size", side_effect=OSError("disk gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["queue"]["ok"] is False
    assert body["checks"]["queue"]["error"] == "unavailable"  # the reason goes to the log only
    # The state only: no error text for whoever asks (it is logged).
    assert "disk gone" not in response.content.decode()


def test_healthz_unhealthy_when_database_fails(client, db):
    from django.db import connection

    with mock.patch.object(connection, "cursor", side_effect=Exception("db down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False
