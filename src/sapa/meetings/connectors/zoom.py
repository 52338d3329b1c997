"""Zoom's REST API for one library's Server-to-Server OAuth app.

Documented requests (https://developers.zoom.us/docs/api/):

- token: POST https://zoom.us/oauth/token?grant_type=account_credentials&account_id=…,
  Basic auth client id:secret → {"access_token", "expires_in", ...}; about an hour.
- POST /users/me/meetings (type 2, settings.approval_type 0 = registration on, approved
  automatically) or /users/me/webinars (type 5) → 201 {"id", "join_url", "registration_url"}.
- PATCH /meetings/{id} → 204; POST /meetings/{id}/registrants → 201 {"registrant_id",
  "join_url"}; DELETE /meetings/{id}/registrants/{registrant_id} → 204.
- GET /report/meetings/{id}/participants?page_size=300&next_page_token=… (paged).

Every request goes through sapa.core.outbound. An expired token (401) is renewed once;
429 waits for Retry-After when it is short, otherwise the caller retries later
(`ZoomBusy.retry_after`); 5xx and network failures are tried again a few times.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from sapa.core import outbound
from sapa.meetings.connectors import base

TIMEOUT = httpx.Timeout(15.0, connect=5.0)
PAGE_SIZE = 300
sleep = time.sleep  # tests replace it


def api_url() -> str:
    return getattr(settings, "SAPA_ZOOM_API_URL", "https://api.zoom.us/v2").rstrip("/")


def oauth_url() -> str:
    return getattr(settings, "SAPA_ZOOM_OAUTH_URL", "https://zoom.us/oauth/token")


ZoomError = base.ConnectorError
ZoomAuthFailed = base.AuthFailed
ZoomNotFound = base.NotFound
ZoomBusy = base.Busy


@dataclass
class Credentials:
    account_id: str
    client_id: str
    client_secret: str


TokenStore = base.TokenStore
MemoryTokens = base.MemoryTokens
retry_after_seconds = base.retry_after_seconds


def _unavailable() -> str:
    return _("Zoom is not answering right now. Sapa will try again.")


class Zoom:
    """One library's Zoom account."""

    def __init__(self, credentials: Credentials, tokens: TokenStore | None = None, http=None):
        self.credentials = credentials
        self.tokens = tokens or MemoryTokens()
        self.http = http or outbound.client(timeout=TIMEOUT)

    # --- the token ----------------------------------------------------------------------

    def _new_token(self) -> str:
        c = self.credentials
        basic = base64.b64encode(f"{c.client_id}:{c.client_secret}".encode()).decode()
        response = self._send(
            "POST",
            oauth_url(),
            headers={"Authorization": f"Basic {basic}"},
            params={"grant_type": "account_credentials", "account_id": c.account_id},
        )
        if response.status_code in (400, 401, 403):
            raise ZoomAuthFailed(
                _(
                    "Zoom refused the account ID, client ID or client secret. "
                    "Copy them again from your Server-to-Server OAuth app."
                ),
                status=response.status_code,
            )
        if response.status_code != 200:
            raise ZoomError(_unavailable(), status=response.status_code)
        data = _json(response)
        token = data.get("access_token")
        if not token:
            raise ZoomError(_unavailable(), status=response.status_code)
        expires_in = int(data.get("expires_in") or 3600)
        # Renewed a minute early, so a token never expires mid-request.
        self.tokens.put(token, datetime.now(UTC) + timedelta(seconds=max(60, expires_in - 60)))
        return token

    def _token(self) -> str:
        return self.tokens.get() or self._new_token()

    # --- sending ------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs) -> httpx.Response:
        return base.send_with_retries(self.http, method, url, pause=lambda s: sleep(s), **kwargs)

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        """An API request with the account's token; a 401 (expired token) renews it once."""
        url = api_url() + path
        for renewed in (False, True):
            headers = {"Authorization": f"Bearer {self._token()}"}
            response = self._send(method, url, headers=headers, **kwargs)
            if response.status_code == 401 and not renewed:
                self.tokens.put("", datetime.now(UTC))
                continue
            break
        if response.status_code == 401:
            raise ZoomAuthFailed(
                _("Zoom refused Sapa's access. Check the app's credentials and scopes."), status=401
            )
        if response.status_code == 404:
            raise ZoomNotFound(
                _("The meeting no longer exists in Zoom (was it deleted there?)."),
                status=404,
                code=_json(response).get("code"),
            )
        if response.status_code >= 400:
            data = _json(response)
            raise ZoomError(
                _("Zoom refused the request (code %(code)s).")
                % {"code": data.get("code") or response.status_code},
                status=response.status_code,
                code=data.get("code"),
            )
        return response

    # --- the calls ----------------------------------------------------------------------

    def me(self) -> dict:
        """The account's user behind the app (the "test connection")."""
        return _json(self.request("GET", "/users/me"))

    def create(
        self,
        kind: str,
        *,
        topic: str,
        start: datetime,
        minutes: int,
        time_zone: str,
        agenda: str = "",
    ) -> dict:
        """A meeting (kind "meetings") or webinar ("webinars") with registration on."""
        body = {
            "topic": topic[:200],
            "type": 5 if kind == "webinars" else 2,
            "start_time": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": minutes,
            "timezone": time_zone,
            "agenda": agenda[:2000],
            "settings": {"approval_type": 0, "registrants_email_notification": False},
        }
        if kind == "meetings":
            body["settings"]["registration_type"] = 1
        return _json(self.request("POST", f"/users/me/{kind}", json=body))

    def update(
        self, kind: str, zoom_id: str, *, topic: str, start: datetime, minutes: int, time_zone: str
    ) -> None:
        self.request(
            "PATCH",
            f"/{kind}/{zoom_id}",
            json={
                "topic": topic[:200],
                "start_time": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "duration": minutes,
                "timezone": time_zone,
            },
        )

    def add_registrant(self, kind: str, zoom_id: str, *, email: str, name: str) -> dict:
        """→ {"registrant_id", "join_url", ...}."""
        first, _sep, last = name.strip().partition(" ")
        body = {"email": email, "first_name": (first or name)[:64]}
        if last:
            body["last_name"] = last[:64]
        data = _json(self.request("POST", f"/{kind}/{zoom_id}/registrants", json=body))
        if not data.get("registrant_id") and data.get("id"):
            data["registrant_id"] = data["id"]
        return data

    def remove_registrant(self, kind: str, zoom_id: str, registrant_id: str) -> None:
        self.request("DELETE", f"/{kind}/{zoom_id}/registrants/{registrant_id}")

    def participants(self, kind: str, zoom_id: str) -> list[dict]:
        """Every row of the participants report, all pages."""
        rows, token = [], ""
        for _page in range(1000):
            params = {"page_size": PAGE_SIZE}
            if token:
                params["next_page_token"] = token
            data = _json(
                self.request("GET", f"/report/{kind}/{zoom_id}/participants", params=params)
            )
            rows += data.get("participants") or []
            token = data.get("next_page_token") or ""
            if not token:
                break
        return rows


_json = base.json_of
