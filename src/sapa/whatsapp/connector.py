"""The WhatsApp Business Cloud API, at the HTTP boundary (every request through sapa.core.outbound).

Documented requests used (Graph API, `SAPA_WHATSAPP_API_URL`, default https://graph.facebook.com/v21.0):

- send a template: ``POST /{phone-number-id}/messages`` with
  ``{"messaging_product": "whatsapp", "to": "628…", "type": "template", "template": {"name",
  "language": {"code"}, "components": [{"type": "body", "parameters": [{"type": "text", "text"}]}]},
  "biz_opaque_callback_data": key}``; answer 200 ``{"messages": [{"id": "wamid…"}]}``;
- the number: ``GET /{phone-number-id}?fields=display_phone_number,verified_name``;
- the templates: ``GET /{waba-id}/message_templates?fields=name,status,language&limit=200``.

Errors answer ``{"error": {"message", "type", "code", "error_data": {"details"}}}``: 401 / code 190
(token refused) → AuthError; 429 and 5xx (and codes 130429, 131056, 80007, 131000) → Retryable,
with Retry-After honoured; other 4xx (e.g. 131026 undeliverable, 131047 re-engagement) → Rejected.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from sapa.core import outbound

RETRYABLE_CODES = {"130429", "131056", "80007", "131000", "4", "2"}
AUTH_CODES = {"190", "10", "200"}


class CloudError(Exception):
    def __init__(self, message: str, code: str = "", retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = retry_after


class AuthError(CloudError):
    """The access token was refused: nothing was sent."""


class Retryable(CloudError):
    """Rate limit or a server error: nothing was sent; try later. `ambiguous`: it may have been."""

    ambiguous = False


class Rejected(CloudError):
    """WhatsApp will not send this message (bad number, re-engagement, template…)."""


@dataclass
class Accepted:
    message_id: str


def _api_url() -> str:
    return settings.SAPA_WHATSAPP_API_URL.rstrip("/")


def _error(response: httpx.Response) -> CloudError:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code = str(error.get("code", ""))
    details = ((error.get("error_data") or {}).get("details") or error.get("message") or "")[:500]
    text = f"{code} {details}".strip() or f"HTTP {response.status_code}"
    retry_after = None
    try:
        retry_after = float(response.headers.get("Retry-After", ""))
    except ValueError:
        pass
    if response.status_code == 401 or code in AUTH_CODES:
        return AuthError(_("WhatsApp refused the access token (%(error)s).") % {"error": text}, code)
    if response.status_code == 429 or response.status_code >= 500 or code in RETRYABLE_CODES:
        return Retryable(text, code, retry_after)
    return Rejected(text, code)


_local = threading.local()


def shared_http():
    """This thread's HTTP client (checked by sapa.core.outbound), kept between messages.

    Building a client costs a TLS context and a connection each time; a worker thread
    sending hundreds of messages reuses one (keep-alive to graph.facebook.com).
    """
    http = getattr(_local, "http", None)
    if http is None or http.is_closed:
        http = _local.http = outbound.client(timeout=httpx.Timeout(15, connect=5))
    return http


class Client:
    """One library's Cloud API number; use as a context manager (one connection pool)."""

    def __init__(self, *, phone_number_id: str, business_account_id: str, access_token: str,
                 http: httpx.Client | None = None):
        self.phone_number_id = phone_number_id
        self.business_account_id = business_account_id
        self._own = http is None
        self.http = http or outbound.client(timeout=httpx.Timeout(15, connect=5))
        self.headers = {"Authorization": f"Bearer {access_token}"}

    @classmethod
    def for_account(cls, account, http=None) -> Client:
        creds = account.credentials()
        return cls(phone_number_id=account.phone_number_id, business_account_id=account.business_account_id,
                   access_token=creds.get("access_token", ""), http=http)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._own:
            self.http.close()

    def _call(self, method: str, path: str, *, sent: bool, **kwargs) -> dict:
        try:
            response = outbound.send(self.http, method, f"{_api_url()}/{path}", headers=self.headers, **kwargs)
        except outbound.Refused as exc:
            raise Rejected(exc.message) from None
        except outbound.Unreachable as exc:
            error = Retryable(exc.message)
            # A timeout after the request left: WhatsApp may have the message.
            error.ambiguous = sent
            raise error from None
        if response.status_code >= 400:
            raise _error(response)
        try:
            return response.json()
        except ValueError:
            raise Retryable(_("WhatsApp answered with something that is not JSON.")) from None

    def send_template(self, *, to: str, template: str, language: str, parameters: list[str],
                      key: str) -> Accepted:
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to.lstrip("+"),
            "type": "template",
            "template": {
                "name": template,
                "language": {"code": language},
                "components": [{"type": "body",
                                "parameters": [{"type": "text", "text": str(p)} for p in parameters]}],
            },
            "biz_opaque_callback_data": key,
        }
        data = self._call("POST", f"{self.phone_number_id}/messages", sent=True, json=payload)
        try:
            return Accepted(str(data["messages"][0]["id"]))
        except (KeyError, IndexError, TypeError):
            error = Retryable(_("WhatsApp's answer did not name the message."))
            error.ambiguous = True
            raise error from None

    def phone_number(self) -> dict:
        return self._call("GET", self.phone_number_id, sent=False,
                          params={"fields": "display_phone_number,verified_name"})

    def templates(self) -> list[dict]:
        data = self._call("GET", f"{self.business_account_id}/message_templates", sent=False,
                          params={"fields": "name,status,language", "limit": "200"})
        return list(data.get("data") or [])
