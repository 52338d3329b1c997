"""What the meeting connectors share: their errors, the token store, and one request with
the retries (5xx and network failures a few times, a 429 waited for when Retry-After is
short, otherwise `Busy` so the job is retried later). Every request goes through
sapa.core.outbound."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from django.utils.translation import gettext as _

from sapa.core import outbound

ATTEMPTS = 3
# A 429 asking for a longer wait is not slept through: the job is retried later.
MAX_INLINE_WAIT = 10


def sleep(seconds):  # tests replace it (through the connector modules' `sleep`)
    time.sleep(seconds)


class ConnectorError(Exception):
    """The service did not do it; `message` is for staff, in their language."""

    def __init__(self, message: str, *, status: int | None = None, code=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class AuthFailed(ConnectorError):
    """The credentials were refused (or the app lacks a scope)."""


class NotFound(ConnectorError):
    """The meeting (or registrant) no longer exists at the service."""


class Busy(ConnectorError):
    """Rate-limited or failing: try again after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int = 60, status: int | None = None):
        super().__init__(message, status=status)
        self.retry_after = retry_after


class TokenStore:
    """Where the access token is kept between requests (the account's row, in Sapa)."""

    def get(self) -> str | None:  # pragma: no cover - interface
        raise NotImplementedError

    def put(self, token: str, expires_at: datetime) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class MemoryTokens(TokenStore):
    def __init__(self):
        self.token, self.expires_at = None, None

    def get(self):
        if self.token and self.expires_at and self.expires_at > datetime.now(UTC):
            return self.token
        return None

    def put(self, token, expires_at):
        self.token, self.expires_at = token, expires_at


def retry_after_seconds(response: httpx.Response, default: int = 5) -> int:
    """Retry-After in seconds: a number, or an HTTP date (Zoom's daily limits)."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return default
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(1, int((when - datetime.now(UTC)).total_seconds()))


def unavailable_message() -> str:
    return _("The meeting service is not answering right now. Sapa will try again.")


def send_with_retries(http, method: str, url: str, *, pause=None, **kwargs) -> httpx.Response:
    """One request with the retries for 5xx, network failures and short 429s."""
    pause = pause or sleep
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = outbound.send(http, method, url, **kwargs)
        except outbound.Refused as exc:
            raise ConnectorError(exc.message) from None
        except outbound.OutboundError:
            if attempt == ATTEMPTS:
                raise Busy(unavailable_message()) from None
            pause(attempt)
            continue
        if response.status_code == 429:
            wait = retry_after_seconds(response)
            if wait > MAX_INLINE_WAIT or attempt == ATTEMPTS:
                raise Busy(
                    _("The meeting service asked Sapa to slow down. Sapa will try again."),
                    retry_after=wait,
                    status=429,
                )
            pause(wait)
            continue
        if response.status_code >= 500:
            if attempt == ATTEMPTS:
                raise Busy(unavailable_message(), status=response.status_code)
            pause(attempt)
            continue
        return response
    raise Busy(unavailable_message())  # pragma: no cover - the loop returns or raises


def json_of(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
