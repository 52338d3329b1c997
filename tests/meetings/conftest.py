"""Fixtures of the meetings tests: a fake Zoom and a fake Google on 127.0.0.1 (zoom_fake.py,
google_fake.py), and the library's accounts."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from zoom_fake import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, WEBHOOK_SECRET, FakeZoom


@pytest.fixture
def fake_zoom(settings, monkeypatch):
    settings.SAPA_OUTBOUND_ALLOW = ["127.0.0.0/8"]
    fake = FakeZoom()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, answer = fake.answer(
                self.command, parts.path, dict(parse_qsl(parts.query)), headers, body
            )
            data = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            if data:
                self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _handle  # noqa: N815

        def log_message(self, *args):
            pass

    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    settings.SAPA_ZOOM_API_URL = fake.url + "/v2"
    settings.SAPA_ZOOM_OAUTH_URL = fake.url + "/oauth/token"
    from sapa.meetings.connectors import zoom

    fake.slept = []
    monkeypatch.setattr(zoom, "sleep", fake.slept.append)
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def zoom_account(library):
    from sapa.meetings import services

    return services.save_account(
        library,
        account_id=ACCOUNT_ID,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        webhook_secret=WEBHOOK_SECRET,
    )


@pytest.fixture
def fake_google(settings, monkeypatch):
    from google_fake import FakeGoogle, key_file, serve

    settings.SAPA_OUTBOUND_ALLOW = ["127.0.0.0/8"]
    text, public = key_file()
    fake = FakeGoogle(public)
    fake.key_file = text
    fake.server = serve(fake)
    host, port = fake.server.server_address[:2]
    url = f"http://{host}:{port}"
    fake.token_url = settings.SAPA_GOOGLE_TOKEN_URL = url + "/token"
    settings.SAPA_GOOGLE_CALENDAR_URL = url + "/calendar/v3"
    settings.SAPA_GOOGLE_MEET_URL = url + "/v2"
    from sapa.meetings.connectors import google_meet

    fake.slept = []
    monkeypatch.setattr(google_meet, "sleep", fake.slept.append)
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def google_account(library, fake_google):
    from google_fake import USER

    from sapa.meetings import services

    return services.save_google_account(library, key_file=fake_google.key_file, user=USER)
