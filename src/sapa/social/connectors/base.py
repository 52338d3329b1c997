"""The one interface every network's connector speaks, and the HTTP plumbing they share.

A connector is made for one channel (`get_connector(channel)`) and offers:

- `limits()`            the limits to check against (sapa.social.validation.Limits);
                        Mastodon reads its server's own (`refresh_limits()`);
- `test_connection()`   checks the credentials; returns the account's name;
- `prepare(variant)`    picks what must be known before the network is called
                        (Bluesky's record key); saved before `publish` runs;
- `publish(variant)`    posts it; returns a `PublishResult(external_id, url)`;
- `fetch_metrics(variant)` likes, comments, shares, reach (or None);
- `find_existing(variant)` after a crash: the post if the network shows it,
                        None if it is certainly not there (when
                        `missing_is_certain`), or raises `CannotTell`.

`idempotent = True` means that calling `publish` again for the same variant can
never make a second post (Mastodon's Idempotency-Key), so a crashed publish is
simply repeated.

Errors are sorted into four kinds, which sapa.social.publishing acts on:

- `RetryableError`   timeouts, connection errors, 5xx, 429 (with `retry_after`);
                     `ambiguous` when the request may have been carried out;
- `AuthError`        the token is expired or revoked: the channel needs reconnecting;
- `RejectedError`    any other refusal (4xx): the variant fails with the network's message;
- `CannotTell`       the network cannot say whether a post exists;
- `QuotaExhausted`   the account may not publish more now (Instagram's 24-hour quota):
                     nothing was sent, the variant is deferred, not failed.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from django.conf import settings
from django.utils.translation import gettext

from sapa.core import outbound
from sapa.social.models import SERVER_URL_NETWORKS, Channel, MediaItem, PostVariant
from sapa.social.text import find_urls
from sapa.social.validation import limits_for

log = logging.getLogger("sapa.social")

USER_AGENT = "Sapa/0.1 (+https://github.com/sapa; library social media)"


@dataclass
class PublishResult:
    external_id: str
    url: str = ""
    # Things that went wrong after the post was created (a first comment refused).
    warnings: list[str] = field(default_factory=list)


@dataclass
class Metrics:
    likes: int = 0
    comments: int = 0
    shares: int = 0
    clicks: int = 0
    reach: int | None = None
    impressions: int | None = None


class ConnectorError(Exception):
    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class RetryableError(ConnectorError):
    def __init__(self, message, *, retry_after: float | None = None, ambiguous: bool = False, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.ambiguous = ambiguous


class AuthError(ConnectorError):
    """The network refused the credentials: reconnect the channel."""


class RejectedError(ConnectorError):
    """The network refused this post; the message is the network's."""


class CannotTell(ConnectorError):
    """The network cannot say whether the post exists."""


class QuotaExhausted(ConnectorError):
    """The account's publishing quota is used up (Instagram: N posts per rolling 24 hours).

    Nothing was sent: the variant waits until the window frees (`usage`, `total`
    and `duration` in seconds are the network's own numbers).
    """

    def __init__(self, message: str, *, usage: int, total: int, duration: int, **kw):
        super().__init__(message, **kw)
        self.usage = usage
        self.total = total
        self.duration = duration


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(tz=UTC)).total_seconds(), 0.0)


def reset_header_delay(value: str | None) -> float | None:
    """Seconds until a rate-limit reset given as a Unix time (X, Bluesky) or an ISO time (Mastodon)."""
    if not value:
        return None
    try:
        return max(float(value) - time.time(), 0.0)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(tz=UTC)).total_seconds(), 0.0)


def timeout() -> httpx.Timeout:
    seconds = float(settings.SAPA_SOCIAL_HTTP_TIMEOUT)
    return httpx.Timeout(seconds, connect=min(seconds, 10.0))


_client_lock = threading.Lock()
_client: httpx.Client | None = None


def shared_client() -> httpx.Client:
    """One HTTP client per process, shared by the worker's threads.

    Building a client loads the CA bundle into a new TLS context (tens of
    milliseconds of CPU); per publish that capped the worker at ~20 posts/s
    (docs/benchmarks.md). httpx.Client is safe to share between threads.
    """
    global _client
    with _client_lock:
        if _client is None or _client.is_closed:
            # Through sapa.core.outbound: public addresses only (or the admin's allowed ranges),
            # connected to the address that was checked; redirects are not followed.
            _client = outbound.client(timeout=timeout(), headers={"User-Agent": USER_AGENT},
                                      limits=httpx.Limits(max_connections=200, max_keepalive_connections=50))
        return _client


def normalize_text(text: str) -> str:
    """For comparing our text with what a network shows: no links, no spacing differences."""
    for start, end, _ in reversed(find_urls(text)):
        text = text[:start] + text[end:]
    return " ".join(text.split()).casefold()


def same_text(ours: str, theirs: str) -> bool:
    """True when the network's text is our text (links may be shortened, HTML stripped)."""
    a, b = normalize_text(ours), normalize_text(theirs)
    if not a:
        return False
    return a == b or (len(a) >= 40 and (a[:200] in b or b[:200] in a))


class Connector:
    """Base class; see the module docstring for the interface."""

    network = ""
    default_base_url = ""
    idempotent = False
    missing_is_certain = False
    # Seconds between polls of something the network is still processing.
    poll_interval = 1.0
    poll_attempts = 30

    def __init__(self, channel: Channel, client: httpx.Client | None = None):
        self.channel = channel
        self.client = client or shared_client()
        self._credentials = None
        self._server_checked = False

    def close(self) -> None:
        """Nothing to release: the HTTP client is shared (see shared_client)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- the interface ---------------------------------------------------------------------
    def limits(self):
        return limits_for(self.channel)

    def refresh_limits(self) -> dict:
        """Read the limits the network reports about itself; {} when it reports none."""
        return {}

    def test_connection(self) -> str:
        raise NotImplementedError

    def prepare(self, variant: PostVariant) -> dict:
        """Data to record before publishing (merged into variant.publish_data)."""
        return {}

    def publish(self, variant: PostVariant) -> PublishResult:
        raise NotImplementedError

    def fetch_metrics(self, variant: PostVariant) -> Metrics | None:
        return None

    def find_existing(self, variant: PostVariant) -> PublishResult | None:
        raise CannotTell("This network cannot tell whether the post went out.")

    # --- helpers -------------------------------------------------------------------------------
    @property
    def credentials(self) -> dict:
        if self._credentials is None:
            self._credentials = self.channel.credentials
        return self._credentials

    @property
    def base_url(self) -> str:
        """The channel's server (Mastodon, Bluesky), else the network's address (or the one the
        admin set in SAPA_SOCIAL_API_URLS): an editor cannot send a token to a host of their own."""
        if self.network in SERVER_URL_NETWORKS:
            if not self._server_checked:
                # Every request's address is built here: credentials (or a session made with
                # them) typed for one server never go to another one.
                if not self.channel.credentials_match_server:
                    raise AuthError(gettext("The channel's server address changed: type its credentials "
                                            "in again."))
                self._server_checked = True
            if self.channel.server_url:
                return self.channel.server_url.rstrip("/")
        configured = getattr(settings, "SAPA_SOCIAL_API_URLS", {}) or {}
        return (configured.get(self.network) or self.default_base_url).rstrip("/")

    def checkpoint(self, variant: PostVariant, **data) -> None:
        """Save progress of a publish at once (outside any transaction), for reconciliation."""
        variant.publish_data = {**(variant.publish_data or {}), **data}
        PostVariant.objects.filter(pk=variant.pk).update(publish_data=variant.publish_data)

    def media_bytes(self, item: MediaItem) -> bytes:
        with item.file.open("rb") as fh:
            return fh.read()

    def media_url(self, item: MediaItem) -> str:
        """A public URL of a media file (Instagram fetches images itself)."""
        url = item.file.url
        if url.startswith(("http://", "https://")):
            return url
        return settings.BASE_URL + url

    def request(self, method: str, url: str, *, ambiguous_on_timeout: bool = False, **kwargs) -> httpx.Response:
        """Send a request; turn network errors and error statuses into the four kinds.

        A timeout after the request was sent is `ambiguous` when the request
        creates something (`ambiguous_on_timeout`): it may have been carried out.
        The messages say what happened in general words, never the socket's error: they are
        shown to staff, and must not tell whether something listens at an address.
        """
        try:
            response = self.client.request(method, url, **kwargs)
        except outbound.Refused as exc:
            raise RejectedError(exc.message) from None
        except httpx.ConnectTimeout:
            raise RetryableError(outbound.timeout_message()) from None
        except httpx.ConnectError:
            raise RetryableError(outbound.unreachable_message()) from None
        except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout) as exc:
            raise RetryableError(f"the network did not answer in time: {type(exc).__name__}",
                                 ambiguous=ambiguous_on_timeout) from None
        except (httpx.RemoteProtocolError, httpx.ReadError):
            raise RetryableError("the connection broke", ambiguous=ambiguous_on_timeout) from None
        if response.status_code >= 400:
            self.raise_for_response(response)
        return response

    def raise_for_response(self, response: httpx.Response) -> None:
        """Raise the right error for an error response (networks refine `error_message`)."""
        status = response.status_code
        message = self.error_message(response)
        if status == 429:
            raise RetryableError(message or "rate limited", status=status,
                                 retry_after=self.retry_after(response))
        if status >= 500:
            raise RetryableError(message or f"server error {status}", status=status,
                                 retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if status in (401, 403) and self.is_auth_failure(response):
            raise AuthError(message or "the network refused the credentials", status=status)
        raise RejectedError(message or f"refused with HTTP {status}", status=status)

    def retry_after(self, response: httpx.Response) -> float | None:
        return parse_retry_after(response.headers.get("Retry-After"))

    def is_auth_failure(self, response: httpx.Response) -> bool:
        return response.status_code == 401

    def error_message(self, response: httpx.Response) -> str:
        """The network's own error message from a JSON answer; "" otherwise (the caller then
        says "refused with HTTP n"): an answer's raw text is never shown."""
        try:
            body = response.json()
        except ValueError:
            return ""
        if isinstance(body, dict):
            for key in ("error_description", "message", "detail", "description", "error", "title"):
                value = body.get(key)
                if isinstance(value, str) and value:
                    return value[:1000]
        return ""

    def json(self, response: httpx.Response) -> dict:
        try:
            return response.json()
        except ValueError:
            raise RetryableError(f"the network answered with something that is not JSON "
                                 f"(HTTP {response.status_code})") from None
