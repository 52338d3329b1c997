"""Google Meet for a library on Google Workspace: a service account with domain-wide
delegation acting as one Workspace user.

Documented requests:

- token (https://developers.google.com/identity/protocols/oauth2/service-account):
  POST https://oauth2.googleapis.com/token, form grant_type=
  urn:ietf:params:oauth:grant-type:jwt-bearer and assertion = a JWT signed RS256 with the
  service account's key (iss = its email, sub = the user, scope, aud = the token URL,
  iat, exp ≤ iat + 1 h) → {"access_token", "expires_in", "token_type": "Bearer"}.
- the Meet link (Calendar API v3): POST /calendars/{calendarId}/events?conferenceDataVersion=1
  with conferenceData.createRequest {requestId, conferenceSolutionKey.type "hangoutsMeet"}
  → {"id", "hangoutLink", "conferenceData": {"conferenceId", "entryPoints"}}; PATCH the same
  event for a new time.
- attendance (Meet REST API v2): GET /v2/conferenceRecords?filter=space.meeting_code="…"
  → {"conferenceRecords": [{"name"}]}; GET /v2/{record}/participants → signedinUser,
  anonymousUser or phoneUser with a displayName; GET /v2/{participant}/participantSessions
  → {"startTime", "endTime"}; each list paged with pageToken / nextPageToken.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.utils.translation import gettext as _

from sapa.core import outbound
from sapa.meetings.connectors import base

TIMEOUT = httpx.Timeout(15.0, connect=5.0)
SCOPES = "https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/meetings.space.readonly"
PAGE_SIZE = 250
sleep = time.sleep  # tests replace it


def token_url() -> str:
    return getattr(settings, "SAPA_GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token")


def calendar_url() -> str:
    return getattr(
        settings, "SAPA_GOOGLE_CALENDAR_URL", "https://www.googleapis.com/calendar/v3"
    ).rstrip("/")


def meet_url() -> str:
    return getattr(settings, "SAPA_GOOGLE_MEET_URL", "https://meet.googleapis.com/v2").rstrip("/")


@dataclass
class ServiceAccount:
    client_email: str
    private_key: str  # PEM
    user: str  # the Workspace user Sapa acts as (domain-wide delegation)


def parse_key_file(text: str) -> ServiceAccount:
    """The JSON key file Google gives for a service account; ValueError when it is not one."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError(_("This is not the service account's JSON key file.")) from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "service_account"
        or not data.get("private_key")
        or not data.get("client_email")
    ):
        raise ValueError(_("This is not the service account's JSON key file."))
    try:
        serialization.load_pem_private_key(data["private_key"].encode(), password=None)
    except (ValueError, TypeError):
        raise ValueError(_("The key in this file cannot be read.")) from None
    return ServiceAccount(data["client_email"], data["private_key"], "")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assertion(account: ServiceAccount, now: int | None = None) -> str:
    """The signed JWT of the token request."""
    now = int(now or time.time())
    header = {"alg": "RS256", "typ": "JWT"}
    claims = {
        "iss": account.client_email,
        "sub": account.user,
        "scope": SCOPES,
        "aud": token_url(),
        "iat": now,
        "exp": now + 3600,
    }
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    key = serialization.load_pem_private_key(account.private_key.encode(), password=None)
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


class GoogleMeet:
    def __init__(self, account: ServiceAccount, tokens: base.TokenStore | None = None, http=None):
        self.account = account
        self.tokens = tokens or base.MemoryTokens()
        self.http = http or outbound.client(timeout=TIMEOUT)

    def _send(self, method, url, **kwargs):
        return base.send_with_retries(self.http, method, url, pause=lambda s: sleep(s), **kwargs)

    def _new_token(self) -> str:
        response = self._send(
            "POST",
            token_url(),
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion(self.account),
            },
        )
        if response.status_code in (400, 401, 403):
            raise base.AuthFailed(
                _(
                    "Google refused the service account. Check the key file, the user Sapa acts as, and "
                    "the domain-wide delegation of its scopes in the Admin console."
                ),
                status=response.status_code,
            )
        data = base.json_of(response)
        if response.status_code != 200 or not data.get("access_token"):
            raise base.ConnectorError(base.unavailable_message(), status=response.status_code)
        expires_in = int(data.get("expires_in") or 3600)
        self.tokens.put(
            data["access_token"], datetime.now(UTC) + timedelta(seconds=max(60, expires_in - 60))
        )
        return data["access_token"]

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        """A request with the token; a 401 (expired token) renews it once."""
        for renewed in (False, True):
            token = self.tokens.get() or self._new_token()
            response = self._send(
                method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs
            )
            if response.status_code == 401 and not renewed:
                self.tokens.put("", datetime.now(UTC))
                continue
            break
        if response.status_code == 401:
            raise base.AuthFailed(
                _(
                    "Google refused Sapa's access. Check the scopes delegated to the "
                    "service account."
                ),
                status=401,
            )
        if response.status_code in (404, 410):
            raise base.NotFound(
                _("The calendar event no longer exists in Google (was it deleted there?)."),
                status=response.status_code,
            )
        if response.status_code >= 400:
            error = base.json_of(response).get("error") or {}
            code = error.get("status") if isinstance(error, dict) else None
            raise base.ConnectorError(
                _("Google refused the request (%(code)s).")
                % {"code": code or response.status_code},
                status=response.status_code,
                code=code,
            )
        return response

    # --- the calls ----------------------------------------------------------------------

    def calendar(self, calendar_id: str = "primary") -> dict:
        """The calendar Sapa writes to (the "test connection")."""
        return base.json_of(self.request("GET", f"{calendar_url()}/calendars/{calendar_id}"))

    def _times(self, start: datetime, end: datetime, time_zone: str) -> dict:
        return {
            "start": {"dateTime": start.isoformat(), "timeZone": time_zone},
            "end": {"dateTime": end.isoformat(), "timeZone": time_zone},
        }

    def create(
        self,
        calendar_id: str,
        *,
        summary: str,
        description: str,
        start: datetime,
        end: datetime,
        time_zone: str,
    ) -> dict:
        """A calendar event with a new Meet link → {"id", "hangoutLink", "conferenceData", ...}."""
        body = {
            "summary": summary,
            "description": description,
            **self._times(start, end, time_zone),
            "conferenceData": {
                "createRequest": {
                    "requestId": uuid.uuid4().hex,
                    "conferenceSolutionKey": {"type": "hangoutsMeet"},
                }
            },
        }
        return base.json_of(
            self.request(
                "POST",
                f"{calendar_url()}/calendars/{calendar_id}/events",
                params={"conferenceDataVersion": 1},
                json=body,
            )
        )

    def update(
        self,
        calendar_id: str,
        event_id: str,
        *,
        summary: str,
        start: datetime,
        end: datetime,
        time_zone: str,
    ) -> None:
        self.request(
            "PATCH",
            f"{calendar_url()}/calendars/{calendar_id}/events/{event_id}",
            params={"conferenceDataVersion": 1},
            json={"summary": summary, **self._times(start, end, time_zone)},
        )

    def _pages(self, url: str, key: str, params: dict | None = None) -> list[dict]:
        out, token = [], ""
        for _page in range(1000):
            query = {**(params or {}), "pageSize": PAGE_SIZE}
            if token:
                query["pageToken"] = token
            data = base.json_of(self.request("GET", url, params=query))
            out += data.get(key) or []
            token = data.get("nextPageToken") or ""
            if not token:
                break
        return out

    def sessions(self, meeting_code: str) -> list[dict]:
        """Every participant session of every conference held in the meeting's space:
        {"name", "key", "start", "end"} (key: the signed-in user, else the participant)."""
        records = self._pages(
            f"{meet_url()}/conferenceRecords",
            "conferenceRecords",
            {"filter": f'space.meeting_code="{meeting_code}"'},
        )
        out = []
        for record in records:
            for person in self._pages(
                f"{meet_url()}/{record['name']}/participants", "participants"
            ):
                user = (
                    person.get("signedinUser")
                    or person.get("anonymousUser")
                    or person.get("phoneUser")
                    or {}
                )
                key = (person.get("signedinUser") or {}).get("user") or person.get("name", "")
                for session in self._pages(
                    f"{meet_url()}/{person['name']}/participantSessions", "participantSessions"
                ):
                    out.append(
                        {
                            "name": user.get("displayName") or "",
                            "key": key,
                            "start": _when(session.get("startTime")),
                            "end": _when(session.get("endTime")),
                        }
                    )
        return out


def _when(value):
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
