"""A local HTTP catalogue (OAI-PMH and SLiMS RSS) that records every request, and MARC helpers."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest


class FakeCatalogue:
    """Answers with `handler(path, params) -> (status, body bytes)`; keeps (path, params) of each request."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []
        self.handler = lambda path, params: (404, b"")
        self.server = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


@pytest.fixture
def catalogue_server(settings):
    # The fake catalogue listens on 127.0.0.1, which Sapa reaches only when an admin allows it.
    settings.SAPA_OUTBOUND_ALLOW = ["127.0.0.0/8"]
    fake = FakeCatalogue()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            parts = urlsplit(self.path)
            params = parse_qsl(parts.query, keep_blank_values=True)
            as_dict = dict(params)
            assert len(as_dict) == len(params), f"repeated argument in {self.path}"
            fake.requests.append((parts.path, as_dict))
            status, body = fake.handler(parts.path, as_dict)
            self.send_response(status)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(5)
