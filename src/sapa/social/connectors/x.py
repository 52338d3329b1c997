"""X: POST /2/tweets (JSON {"text", "media": {"media_ids": [...]}}), images via POST /2/media/upload.

Credentials: {"access_token": "<OAuth 2.0 user-context token>"} with the scopes
tweet.write, tweet.read, users.read and media.write; with offline.access also
"refresh_token", and the app's "client_id" (and "client_secret" for a
confidential client), so that Sapa renews the two-hour access token itself:

    POST https://api.x.com/2/oauth2/token   (application/x-www-form-urlencoded)
        grant_type=refresh_token&refresh_token=...   and client_id=... (public client)
        or Authorization: Basic base64(client_id:client_secret) (confidential client)
    → {"token_type": "bearer", "expires_in": 7200, "access_token": "...",
       "scope": "...", "refresh_token": "..."}

Refresh tokens rotate: the new pair is stored (encrypted) at once, under a lock
of the channel's row, so two workers never spend the same refresh token. An
access token known to be expired is refreshed before the call; a 401 refreshes
once and the call is repeated once. A refused refresh is a token problem: the
channel needs reconnecting (sapa.social.publishing).
Errors: problem details ({"title", "detail", "status"}), or {"errors": [{"message"}]};
429 with x-rate-limit-reset (a Unix time).
After a crash the account's recent posts are searched for the text.
"""

from __future__ import annotations

import base64
import time

from django.db import transaction
from django.db.models import F

from sapa.social.connectors.base import (
    AuthError,
    CannotTell,
    Connector,
    Metrics,
    PublishResult,
    RejectedError,
    RetryableError,
    reset_header_delay,
    same_text,
)
from sapa.social.models import Channel, Network, PostVariant

# Refresh this many seconds before the access token's announced expiry.
EXPIRY_MARGIN = 60


class XConnector(Connector):
    network = Network.X
    default_base_url = "https://api.x.com"

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.credentials.get('access_token', '')}"}

    # --- OAuth 2.0 token refresh ---------------------------------------------------------------
    def _expired(self) -> bool:
        expires_at = self.credentials.get("expires_at")
        return isinstance(expires_at, (int, float)) and time.time() >= expires_at - EXPIRY_MARGIN

    def refresh_access_token(self, failed_token: str) -> None:
        """Trade the refresh token for a new access token (and a new refresh token); store both.

        `failed_token` is the access token that was refused or expired: when the
        stored one differs, another worker refreshed meanwhile and its token is used.
        Raises AuthError when there is no refresh token or X refuses it.
        """
        with transaction.atomic():
            # Lock the channel's row (an UPDATE locks on PostgreSQL and SQLite alike).
            Channel.objects.filter(pk=self.channel.pk).update(status=F("status"))
            stored = Channel.objects.get(pk=self.channel.pk)
            credentials = stored.credentials
            if credentials.get("access_token") and credentials.get("access_token") != failed_token:
                self._credentials = credentials
                self.channel.credentials_encrypted = stored.credentials_encrypted
                return
            refresh_token = credentials.get("refresh_token")
            client_id = credentials.get("client_id")
            if not refresh_token or not client_id:
                raise AuthError("X refused the access token and Sapa cannot renew it: no refresh token "
                                "or client ID is stored for this channel", status=401)
            data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if credentials.get("client_secret"):
                pair = f"{client_id}:{credentials['client_secret']}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
            else:
                data["client_id"] = client_id
            try:
                answer = self.json(self.request("POST", f"{self.base_url}/2/oauth2/token", data=data,
                                                headers=headers))
            except RejectedError as exc:  # 400 invalid_request: the refresh token is spent or revoked
                raise AuthError(f"X refused to renew the access token: {exc.message}", status=exc.status) from None
            if not answer.get("access_token"):
                raise AuthError("X renewed no access token", status=200)
            credentials = {**credentials, "access_token": answer["access_token"],
                           "refresh_token": answer.get("refresh_token") or refresh_token}
            if isinstance(answer.get("expires_in"), int):
                credentials["expires_at"] = int(time.time()) + answer["expires_in"]
            stored.credentials = credentials
            Channel.objects.filter(pk=stored.pk).update(credentials_encrypted=stored.credentials_encrypted)
        self.channel.credentials_encrypted = stored.credentials_encrypted
        self._credentials = credentials

    def _api(self, method: str, path: str, **kwargs):
        """An authenticated call to /2/...; an expired access token is renewed and the call repeated once."""
        extra = kwargs.pop("headers", {})
        if self._expired() and self.credentials.get("refresh_token"):
            self.refresh_access_token(self.credentials.get("access_token", ""))
        token = self.credentials.get("access_token", "")
        try:
            return self.request(method, f"{self.base_url}/2/{path}", headers={**extra, **self._headers()},
                                **kwargs)
        except AuthError:
            if not self.credentials.get("refresh_token"):
                raise
        self.refresh_access_token(token)
        return self.request(method, f"{self.base_url}/2/{path}", headers={**extra, **self._headers()}, **kwargs)

    def retry_after(self, response):
        return super().retry_after(response) or reset_header_delay(response.headers.get("x-rate-limit-reset"))

    def error_message(self, response) -> str:
        try:
            body = response.json()
        except ValueError:
            return response.text[:500].strip()
        if isinstance(body, dict):
            if body.get("detail"):
                return str(body["detail"])
            errors = body.get("errors")
            if isinstance(errors, list) and errors:
                return "; ".join(str(e.get("message") or e.get("detail") or e) for e in errors)[:1000]
            return str(body.get("title") or body)[:500]
        return str(body)[:500]

    def test_connection(self) -> str:
        me = self.json(self._api("GET", "users/me"))["data"]
        self.channel.account_id = str(me.get("id", ""))
        self.channel.handle = me.get("username", "")
        return "@" + self.channel.handle

    def _upload(self, item) -> str:
        media = self.json(self._api(
            "POST", "media/upload",
            data={"media_category": "tweet_image", "media_type": item.mime_type or "image/jpeg"},
            files={"media": (item.original_name or "image.jpg", self.media_bytes(item),
                             item.mime_type or "image/jpeg")}))["data"]
        media_id = str(media["id"])
        if item.alt_text:
            self._api("POST", "media/metadata",
                      json={"id": media_id, "metadata": {"alt_text": {"text": item.alt_text[:1000]}}})
        return media_id

    def _url(self, tweet_id: str) -> str:
        if self.channel.handle:
            return f"https://x.com/{self.channel.handle.lstrip('@')}/status/{tweet_id}"
        return f"https://x.com/i/web/status/{tweet_id}"

    def publish(self, variant: PostVariant) -> PublishResult:
        body = {"text": variant.full_text()}
        media_ids = [self._upload(item) for item in variant.ordered_media()]
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        tweet = self.json(self._api("POST", "tweets", json=body, ambiguous_on_timeout=True))["data"]
        result = PublishResult(external_id=str(tweet["id"]), url=self._url(tweet["id"]))
        if variant.first_comment.strip():
            try:
                self._api("POST", "tweets", json={
                    "text": variant.first_comment, "reply": {"in_reply_to_tweet_id": result.external_id}})
            except (RejectedError, RetryableError) as exc:
                result.warnings.append(f"first comment: {exc.message}")
        return result

    def find_existing(self, variant: PostVariant) -> PublishResult | None:
        if not self.channel.account_id:
            raise CannotTell("the account id is unknown")
        data = self.json(self._api(
            "GET", f"users/{self.channel.account_id}/tweets",
            params={"max_results": 10, "tweet.fields": "created_at", "exclude": "replies"}))
        for tweet in data.get("data") or []:
            if same_text(variant.full_text(), tweet.get("text", "")):
                return PublishResult(external_id=str(tweet["id"]), url=self._url(tweet["id"]))
        return None

    def fetch_metrics(self, variant: PostVariant) -> Metrics | None:
        data = self.json(self._api("GET", f"tweets/{variant.external_id}",
                                   params={"tweet.fields": "public_metrics"}))
        public = (data.get("data") or {}).get("public_metrics") or {}
        return Metrics(likes=public.get("like_count", 0), comments=public.get("reply_count", 0),
                       shares=public.get("retweet_count", 0) + public.get("quote_count", 0),
                       impressions=public.get("impression_count"))
