"""A fake Mastodon + Telegram server on 127.0.0.1 for the kill test and the benchmark.

It speaks the documented requests and answers the documented bodies:

- GET  /api/v2/instance                     the server's limits
- POST /api/v1/statuses  (Bearer token)     a status; an Idempotency-Key seen before
                                            returns the status made the first time
- POST /bot<token>/sendMessage              a Telegram message (no idempotency)

`stall.set()` makes it hold each new post *after recording it*, without
answering, until `release.set()`: a worker can be killed between "the network
accepted the post" and "Sapa wrote it down". `delay` adds a pause to every
answer (the benchmark's 50 ms network).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class FakeNetwork:
    def __init__(self, delay: float = 0.0, token: str = "masto-token"):
        self.delay = delay
        self.token = token
        self.lock = threading.Lock()
        self.statuses: list[dict] = []
        self.by_key: dict[str, dict] = {}
        self.telegram: list[dict] = []
        self.requests: list[tuple[str, str, dict]] = []
        self.stall = threading.Event()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        net = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass

            def _body(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                ctype = self.headers.get("Content-Type", "")
                if ctype.startswith("application/json"):
                    return json.loads(raw or b"{}")
                return {k: v[0] for k, v in parse_qs(raw.decode()).items()}

            def _hold(self):
                if net.stall.is_set():
                    net.release.wait(120)

            def do_GET(self):
                if net.delay:
                    time.sleep(net.delay)
                if self.path == "/api/v2/instance":
                    return self._send(200, {"domain": "fake.local", "configuration": {
                        "statuses": {"max_characters": 500, "max_media_attachments": 4,
                                     "characters_reserved_per_url": 23},
                        "media_attachments": {"image_size_limit": 16777216,
                                              "supported_mime_types": ["image/jpeg", "image/png"]}}})
                return self._send(404, {"error": "Record not found"})

            def do_POST(self):
                body = self._body()
                with net.lock:
                    net.requests.append(("POST", self.path, {**body, "_headers": dict(self.headers)}))
                if net.delay:
                    time.sleep(net.delay)
                if self.path == "/api/v1/statuses":
                    if self.headers.get("Authorization") != f"Bearer {net.token}":
                        return self._send(401, {"error": "The access token is invalid"})
                    if not body.get("status"):
                        return self._send(422, {"error": "Validation failed: Text can't be blank"})
                    key = self.headers.get("Idempotency-Key")
                    with net.lock:
                        if key and key in net.by_key:
                            return self._send(200, net.by_key[key])
                        number = len(net.statuses) + 1
                        status = {"id": str(100000 + number), "content": f"<p>{body['status']}</p>",
                                  "url": f"https://fake.local/@perpus/{100000 + number}",
                                  "uri": f"https://fake.local/users/perpus/statuses/{100000 + number}",
                                  "visibility": body.get("visibility", "public")}
                        net.statuses.append(status)
                        if key:
                            net.by_key[key] = status
                    self._hold()
                    return self._send(200, status)
                if self.path.endswith("/sendMessage") and self.path.startswith("/bot"):
                    with net.lock:
                        message = {"message_id": len(net.telegram) + 1,
                                   "chat": {"id": -1001, "type": "channel", "username": "perpus"},
                                   "date": int(time.time()), "text": body.get("text", "")}
                        net.telegram.append(message)
                    self._hold()
                    return self._send(200, {"ok": True, "result": message})
                return self._send(404, {"error": "Record not found"})

        return Handler
