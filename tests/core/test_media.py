"""Uploaded public files (posters, photos) are served on one machine; private ones are not."""

import pytest


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "events" / "posters").mkdir(parents=True)
    (tmp_path / "events" / "posters" / "poster.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (tmp_path / "certificates" / "pdf").mkdir(parents=True)
    (tmp_path / "certificates" / "pdf" / "one.pdf").write_bytes(b"%PDF-1.4 secret")
    return tmp_path


def test_a_poster_is_served_with_its_type(client, media_root):
    response = client.get("/media/events/posters/poster.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_private_folders_and_escapes_are_not_served(client, media_root):
    assert client.get("/media/certificates/pdf/one.pdf").status_code == 404
    assert client.get("/media/events/../certificates/pdf/one.pdf").status_code == 404
    assert client.get("/media/events/posters/missing.png").status_code == 404
