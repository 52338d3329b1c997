"""A fake Zoom on 127.0.0.1 answering the documented requests with the documented answers.

It keeps meetings, registrants and participants reports; `fail(method, path, status, ...)`
makes the next matching request fail once (429 with Retry-After, 5xx, 404); `expire_tokens()`
makes every issued access token stale (Zoom answers 401 code 124 until a new one is asked).
"""

import base64
import itertools
import re
import threading

ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET = (
    "lAAAAAAAAAAAAAAAAAAAA",
    "aBcDeFgHiJkLmN",
    "s3cr3t-0f-th3-app",
)
WEBHOOK_SECRET = "wH_secret-token-From-zoom"


class FakeZoom:
    def __init__(self):
        self.server = None
        self.requests: list[dict] = []
        self.failures: list[dict] = []
        self.valid_tokens: set[str] = set()
        self.tokens_issued = 0
        self.meetings: dict[str, dict] = {}
        self.participants: dict[str, list] = {}
        self.down = False  # every request answers 503 while True
        self._ids = itertools.count(85746065432)
        self._lock = threading.Lock()

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

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

    def api(self, method=None, path_regex=".*"):
        return [
            r
            for r in self.requests
            if r["path"].startswith("/v2/")
            and (method is None or r["method"] == method)
            and re.search(path_regex, r["path"])
        ]

    def token_requests(self):
        return [r for r in self.requests if r["path"] == "/oauth/token"]

    def registrants(self, zoom_id):
        return self.meetings[str(zoom_id)]["registrants"]

    # --- answering --------------------------------------------------------------------

    def answer(self, method, path, query, headers, body):
        with self._lock:
            self.requests.append(
                {"method": method, "path": path, "query": query, "headers": headers, "json": body}
            )
            if self.down:
                return 503, {}, {"code": 503, "message": "Service unavailable"}
            for failure in self.failures:
                if (
                    failure["times"]
                    and failure["method"] == method
                    and failure["path"].search(path)
                ):
                    failure["times"] -= 1
                    return failure["status"], failure["headers"], failure["body"]
            if path == "/oauth/token":
                return self._token(method, query, headers)
            auth = headers.get("authorization", "")
            if not auth.startswith("Bearer ") or auth[7:] not in self.valid_tokens:
                return 401, {}, {"code": 124, "message": "Invalid access token."}
            return self._api(method, path[len("/v2") :], query, body)

    def _token(self, method, query, headers):
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if (
            method != "POST"
            or query.get("grant_type") != "account_credentials"
            or query.get("account_id") != ACCOUNT_ID
            or headers.get("authorization") != expected
        ):
            return (
                400,
                {},
                {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
            )
        self.tokens_issued += 1
        token = f"eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0.token-{self.tokens_issued}"
        self.valid_tokens.add(token)
        return (
            200,
            {},
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": 3599,
                "scope": "meeting:write:meeting:admin meeting:write:registrant:admin "
                "meeting:delete:registrant:admin report:read:list_meeting_participants:admin",
                "api_url": "https://api.zoom.us",
            },
        )

    def _api(self, method, path, query, body):
        if method == "GET" and path == "/users/me":
            return (
                200,
                {},
                {
                    "id": "KDcuGIm1QgePTO8WbOqwIQ",
                    "email": "zoom@perpus.example.org",
                    "type": 2,
                    "account_id": ACCOUNT_ID,
                },
            )
        m = re.fullmatch(r"/users/me/(meetings|webinars)", path)
        if m and method == "POST":
            zoom_id = str(next(self._ids))
            self.meetings[zoom_id] = {"kind": m[1], "body": body, "registrants": {}}
            return (
                201,
                {},
                {
                    "id": int(zoom_id),
                    "uuid": "aDYlohsHRtCd4ii1uC2+hA==",
                    "host_id": "KDcuGIm1QgePTO8WbOqwIQ",
                    "topic": body["topic"],
                    "type": body["type"],
                    "start_time": body["start_time"],
                    "duration": body["duration"],
                    "timezone": body["timezone"],
                    "join_url": f"https://us05web.zoom.us/j/{zoom_id}?pwd=Mzb1ZkVQ",
                    "registration_url": f"https://us05web.zoom.us/meeting/register/tZ{zoom_id}",
                    "settings": body.get("settings", {}),
                },
            )
        m = re.fullmatch(r"/(meetings|webinars)/(\d+)(/.*)?", path)
        if m:
            meeting = self.meetings.get(m[2])
            if meeting is None:
                return 404, {}, {"code": 3001, "message": f"Meeting does not exist: {m[2]}."}
            rest = m[3] or ""
            if rest == "" and method == "PATCH":
                meeting["body"].update(body)
                return 204, {}, None
            if rest == "/registrants" and method == "POST":
                rid = f"reg{len(meeting['registrants']) + 1:04d}-{abs(hash(body['email'])) % 10**6}"
                meeting["registrants"][rid] = body
                return (
                    201,
                    {},
                    {
                        "id": int(m[2]),
                        "registrant_id": rid,
                        "topic": meeting["body"]["topic"],
                        "start_time": meeting["body"]["start_time"],
                        "join_url": f"https://us05web.zoom.us/w/{m[2]}?tk={rid}-personal",
                    },
                )
            d = re.fullmatch(r"/registrants/([^/]+)", rest)
            if d and method == "DELETE":
                if meeting["registrants"].pop(d[1], None) is None:
                    return 404, {}, {"code": 3001, "message": "Registrant not found"}
                return 204, {}, None
        m = re.fullmatch(r"/report/(meetings|webinars)/(\d+)/participants", path)
        if m and method == "GET":
            rows = self.participants.get(m[2])
            if rows is None:
                return 404, {}, {"code": 3001, "message": "Meeting does not exist."}
            size = int(query.get("page_size", 30))
            start = int(query.get("next_page_token") or 0)
            page = rows[start : start + size]
            following = start + size
            return (
                200,
                {},
                {
                    "page_count": (len(rows) + size - 1) // size,
                    "page_size": size,
                    "total_records": len(rows),
                    "next_page_token": str(following) if following < len(rows) else "",
                    "participants": page,
                },
            )
        return 404, {}, {"code": 300, "message": "not found"}
