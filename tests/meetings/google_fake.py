"""A fake Google (OAuth token, Calendar API v3, Meet REST API v2) on 127.0.0.1, answering
the documented requests with the documented answers."""

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

USER = "humas@perpus.example.org"
CLIENT_EMAIL = "sapa-meet@perpus-sapa.iam.gserviceaccount.com"


def key_file() -> tuple[str, object]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    data = {
        "type": "service_account",
        "project_id": "perpus-sapa",
        "private_key_id": "abc123",
        "private_key": pem,
        "client_email": CLIENT_EMAIL,
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return json.dumps(data), key.public_key()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FakeGoogle:
    def __init__(self, public_key):
        self.public_key = public_key
        self.requests, self.failures = [], []
        self.valid_tokens, self.tokens_issued = set(), 0
        self.events: dict[str, dict] = {}
        self.records: dict[
            str, list
        ] = {}  # meeting code → [{"participants": [{..., "sessions": [...]}]}]
        self.token_url = ""
        self._lock = threading.Lock()

    def fail(self, method, path_regex, status, *, headers=None, body=None, times=1):
        self.failures.append(
            {
                "method": method,
                "path": re.compile(path_regex),
                "status": status,
                "headers": headers or {},
                "body": body or {},
                "times": times,
            }
        )

    def expire_tokens(self):
        self.valid_tokens.clear()

    def calls(self, method=None, path_regex=".*"):
        return [
            r
            for r in self.requests
            if (method is None or r["method"] == method)
            and re.search(path_regex, r["path"])
            and r["path"] != "/token"
        ]

    def answer(self, method, path, query, headers, raw):
        with self._lock:
            body = None
            if raw and headers.get("content-type", "").startswith("application/json"):
                body = json.loads(raw)
            elif raw:
                body = dict(parse_qsl(raw.decode()))
            self.requests.append({"method": method, "path": path, "query": query, "json": body})
            for failure in self.failures:
                if (
                    failure["times"]
                    and failure["method"] == method
                    and failure["path"].search(path)
                ):
                    failure["times"] -= 1
                    return failure["status"], failure["headers"], failure["body"]
            if path == "/token":
                return self._token(body)
            auth = headers.get("authorization", "")
            if auth[7:] not in self.valid_tokens:
                return (
                    401,
                    {},
                    {
                        "error": {
                            "code": 401,
                            "message": "Request had invalid authentication credentials.",
                            "status": "UNAUTHENTICATED",
                        }
                    },
                )
            return self._api(method, path, query, body)

    def _token(self, form):
        ok = form.get("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer"
        try:
            head, claims, signature = form["assertion"].split(".")
            self.public_key.verify(
                _unb64(signature), f"{head}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
            claims = json.loads(_unb64(claims))
        except Exception:  # noqa: BLE001 - any bad assertion is Google's invalid_grant
            ok = False
        if (
            not ok
            or claims["iss"] != CLIENT_EMAIL
            or claims["sub"] != USER
            or claims["aud"] != self.token_url
            or "https://www.googleapis.com/auth/calendar.events" not in claims["scope"].split()
            or claims["exp"] - claims["iat"] > 3600
        ):
            return (
                400,
                {},
                {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
            )
        self.tokens_issued += 1
        token = f"ya29.c.fake-{self.tokens_issued}"
        self.valid_tokens.add(token)
        return 200, {}, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _api(self, method, path, query, body):
        m = re.fullmatch(r"/calendar/v3/calendars/([^/]+)", path)
        if m and method == "GET":
            return (
                200,
                {},
                {
                    "kind": "calendar#calendar",
                    "id": USER,
                    "summary": USER,
                    "timeZone": "Asia/Jakarta",
                },
            )
        m = re.fullmatch(r"/calendar/v3/calendars/([^/]+)/events(?:/([^/]+))?", path)
        if m and method == "POST" and not m[2]:
            event_id = f"ev{len(self.events) + 1:04d}x"
            code = f"abc-defg-h{len(self.events) + 1:02d}"
            self.events[event_id] = body
            return (
                200,
                {},
                {
                    "kind": "calendar#event",
                    "id": event_id,
                    "status": "confirmed",
                    "summary": body["summary"],
                    "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
                    "start": body["start"],
                    "end": body["end"],
                    "hangoutLink": f"https://meet.google.com/{code}",
                    "conferenceData": {
                        "createRequest": {
                            "requestId": body["conferenceData"]["createRequest"]["requestId"],
                            "conferenceSolutionKey": {"type": "hangoutsMeet"},
                            "status": {"statusCode": "success"},
                        },
                        "entryPoints": [
                            {
                                "entryPointType": "video",
                                "uri": f"https://meet.google.com/{code}",
                                "label": f"meet.google.com/{code}",
                            }
                        ],
                        "conferenceSolution": {
                            "key": {"type": "hangoutsMeet"},
                            "name": "Google Meet",
                        },
                        "conferenceId": code,
                    },
                },
            )
        if m and m[2] and method == "PATCH":
            if m[2] not in self.events:
                return (
                    404,
                    {},
                    {"error": {"code": 404, "message": "Not Found", "status": "NOT_FOUND"}},
                )
            self.events[m[2]].update(body)
            return 200, {}, {"id": m[2], **self.events[m[2]]}
        if path == "/v2/conferenceRecords" and method == "GET":
            code = re.fullmatch(r'space\.meeting_code="([^"]+)"', query.get("filter", ""))[1]
            records = [
                {
                    "name": f"conferenceRecords/{code}-r{i}",
                    "startTime": "2026-12-10T02:00:00Z",
                    "endTime": "2026-12-10T04:00:00Z",
                    "space": f"spaces/{code}",
                }
                for i, _ in enumerate(self.records.get(code, []))
            ]
            return 200, {}, self._page(records, "conferenceRecords", query)
        m = re.fullmatch(r"/v2/conferenceRecords/([^/]+)-r(\d+)/participants", path)
        if m and method == "GET":
            people = self.records[m[1]][int(m[2])]["participants"]
            rows = [
                {k: v for k, v in p.items() if k != "sessions"}
                | {"name": f"conferenceRecords/{m[1]}-r{m[2]}/participants/{i}"}
                for i, p in enumerate(people)
            ]
            return 200, {}, self._page(rows, "participants", query)
        m = re.fullmatch(
            r"/v2/conferenceRecords/([^/]+)-r(\d+)/participants/(\d+)/participantSessions", path
        )
        if m and method == "GET":
            sessions = self.records[m[1]][int(m[2])]["participants"][int(m[3])]["sessions"]
            rows = [
                {"name": f"{path}/{i}", "startTime": a, "endTime": b}
                for i, (a, b) in enumerate(sessions)
            ]
            return 200, {}, self._page(rows, "participantSessions", query)
        return 404, {}, {"error": {"code": 404, "message": "Not Found", "status": "NOT_FOUND"}}

    @staticmethod
    def _page(rows, key, query):
        size = min(int(query.get("pageSize", 100)), 2)  # small pages, so paging is exercised
        start = int(query.get("pageToken") or 0)
        out = {key: rows[start : start + size]}
        if start + size < len(rows):
            out["nextPageToken"] = str(start + size)
        return out


def serve(fake):
    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, answer = fake.answer(
                self.command, parts.path, dict(parse_qsl(parts.query)), headers, raw
            )
            data = json.dumps(answer).encode()
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _handle  # noqa: N815

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
