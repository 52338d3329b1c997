"""A local fake of the WhatsApp Business Cloud API (Graph API), answering as documented.

    with FakeCloudAPI() as api:            # api.url → SAPA_WHATSAPP_API_URL
        api.script.append((429, {"error": {...}}, {"Retry-After": "60"}))   # next answers
        ... api.requests → [(method, path, headers, json)]

Without a script, a template send answers 200 with a fresh wamid; the phone number and
template list answer from `number` and `templates`. `delay` holds every answer; `stall`
(an Event) makes a send record the request and then wait until `release` is set.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ACCEPTED = {"messaging_product": "whatsapp", "contacts": [{"input": "", "wa_id": ""}],
            "messages": [{"id": "", "message_status": "accepted"}]}


def error(code: int, message: str, details: str = "", type_: str = "OAuthException") -> dict:
    """The Graph API's documented error body."""
    return {"error": {"message": message, "type": type_, "code": code,
                      "error_data": {"messaging_product": "whatsapp", "details": details or message},
                      "fbtrace_id": "AbCdEf123"}}


class FakeCloudAPI:
    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.requests: list[tuple] = []
        self.sent: list[dict] = []
        self.script: list[tuple] = []
        self.number = {"display_phone_number": "+62 811-0000-000", "verified_name": "Perpustakaan A",
                       "id": "1100000000"}
        self.templates: list[dict] = []
        self.stall = threading.Event()
        self.release = threading.Event()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def __enter__(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                path = urlsplit(self.path).path
                with api._lock:
                    api.requests.append((method, self.path, dict(self.headers), body))
                    scripted = api.script.pop(0) if api.script else None
                if api.delay:
                    time.sleep(api.delay)
                if scripted is not None:
                    status, answer, *extra = scripted
                    return self._answer(status, answer, extra[0] if extra else None)
                if method == "POST" and path.endswith("/messages"):
                    wamid = f"wamid.HBgM{next(api._ids):010d}"
                    with api._lock:
                        api.sent.append({"id": wamid, **body})
                    if api.stall.is_set():
                        api.release.wait(60)
                    answer = json.loads(json.dumps(ACCEPTED))
                    answer["contacts"][0] = {"input": body["to"], "wa_id": body["to"]}
                    answer["messages"][0]["id"] = wamid
                    return self._answer(200, answer)
                if method == "GET" and path.endswith("/message_templates"):
                    return self._answer(200, {"data": api.templates, "paging": {}})
                if method == "GET":
                    return self._answer(200, api.number)
                return self._answer(404, error(100, "Unsupported request"))

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v21.0"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def sends(self) -> list[tuple]:
        return [r for r in self.requests if r[0] == "POST" and urlsplit(r[1]).path.endswith("/messages")]
