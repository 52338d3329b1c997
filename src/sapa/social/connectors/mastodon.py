"""Mastodon: POST /api/v2/media (file, description), then POST /api/v1/statuses.

The status is sent with an `Idempotency-Key` header (the variant's key):
Mastodon remembers it for an hour and answers a repeat with the status it
already made, so a publish interrupted by a crash is simply sent again.
Limits come from the server: GET /api/v2/instance.
Credentials: {"access_token": "..."} (an application's token with write:statuses
and write:media).
"""

from __future__ import annotations

import html
import re
import time

from django.utils import timezone

from sapa.social.connectors.base import (
    CannotTell,
    Connector,
    Metrics,
    PublishResult,
    RejectedError,
    RetryableError,
    reset_header_delay,
    same_text,
)
from sapa.social.models import Network, PostVariant


def _strip_html(content: str) -> str:
    content = re.sub(r"<br\s*/?>|</p>\s*<p>", "\n", content)
    return html.unescape(re.sub(r"<[^>]+>", "", content))


class MastodonConnector(Connector):
    network = Network.MASTODON
    default_base_url = "https://mastodon.social"
    idempotent = True

    def _headers(self, **extra) -> dict:
        return {"Authorization": f"Bearer {self.credentials.get('access_token', '')}", **extra}

    def retry_after(self, response):
        return super().retry_after(response) or reset_header_delay(response.headers.get("X-RateLimit-Reset"))

    def error_message(self, response) -> str:
        try:
            body = response.json()
        except ValueError:
            return ""  # the server is the channel's own choice: its raw text is never shown
        error = body.get("error") if isinstance(body, dict) else None
        return error[:1000] if isinstance(error, str) else ""

    def refresh_limits(self) -> dict:
        """Read max characters, attachments, URL weight and image size from GET /api/v2/instance."""
        data = self.json(self.request("GET", f"{self.base_url}/api/v2/instance"))
        config = data.get("configuration") or {}
        statuses = config.get("statuses") or {}
        media = config.get("media_attachments") or {}
        limits = {
            "max_characters": statuses.get("max_characters"),
            "max_media_attachments": statuses.get("max_media_attachments"),
            "characters_reserved_per_url": statuses.get("characters_reserved_per_url"),
            "image_size_limit": media.get("image_size_limit"),
            "supported_mime_types": media.get("supported_mime_types"),
        }
        limits = {k: v for k, v in limits.items() if v is not None}
        self.channel.server_limits = limits
        self.channel.server_limits_fetched_at = timezone.now()
        type(self.channel).objects.filter(pk=self.channel.pk).update(
            server_limits=limits, server_limits_fetched_at=self.channel.server_limits_fetched_at)
        return limits

    def test_connection(self) -> str:
        account = self.json(self.request("GET", f"{self.base_url}/api/v1/accounts/verify_credentials",
                                         headers=self._headers()))
        self.channel.account_id = str(account.get("id", ""))
        self.channel.handle = account.get("acct") or account.get("username") or ""
        return "@" + self.channel.handle

    def _upload(self, item) -> str:
        response = self.request(
            "POST", f"{self.base_url}/api/v2/media", headers=self._headers(),
            files={"file": (item.original_name or "image.jpg", self.media_bytes(item),
                            item.mime_type or "application/octet-stream")},
            data={"description": item.alt_text},
        )
        media = self.json(response)
        media_id = str(media["id"])
        if response.status_code == 202 or not media.get("url"):
            # Still processing: a status may only attach it once GET answers 200.
            for _ in range(self.poll_attempts):
                poll = self.request("GET", f"{self.base_url}/api/v1/media/{media_id}", headers=self._headers())
                if poll.status_code == 200:
                    break
                time.sleep(self.poll_interval)
            else:
                raise RetryableError("the server is still processing the image")
        return media_id

    def publish(self, variant: PostVariant) -> PublishResult:
        media_ids = [self._upload(item) for item in variant.ordered_media()]
        body = {"status": variant.full_text(), "visibility": "public", "language": "id"}
        if media_ids:
            body["media_ids"] = media_ids
        response = self.request(
            "POST", f"{self.base_url}/api/v1/statuses", json=body, ambiguous_on_timeout=True,
            headers=self._headers(**{"Idempotency-Key": variant.idempotency_key}),
        )
        status = self.json(response)
        result = PublishResult(external_id=str(status["id"]), url=status.get("url") or status.get("uri") or "")
        if variant.first_comment.strip():
            try:
                self.request(
                    "POST", f"{self.base_url}/api/v1/statuses",
                    json={"status": variant.first_comment, "in_reply_to_id": result.external_id,
                          "visibility": "unlisted", "language": "id"},
                    headers=self._headers(**{"Idempotency-Key": variant.idempotency_key + "-comment"}),
                )
            except (RejectedError, RetryableError) as exc:
                result.warnings.append(f"first comment: {exc.message}")
        return result

    def find_existing(self, variant: PostVariant) -> PublishResult | None:
        if not self.channel.account_id:
            raise CannotTell("the channel's account id is unknown")
        response = self.request("GET", f"{self.base_url}/api/v1/accounts/{self.channel.account_id}/statuses",
                                params={"limit": 40, "exclude_replies": "true"}, headers=self._headers())
        for status in self.json(response):
            if same_text(variant.full_text(), _strip_html(status.get("content", ""))):
                return PublishResult(external_id=str(status["id"]), url=status.get("url") or "")
        return None

    def fetch_metrics(self, variant: PostVariant) -> Metrics | None:
        status = self.json(self.request("GET", f"{self.base_url}/api/v1/statuses/{variant.external_id}",
                                        headers=self._headers()))
        return Metrics(likes=status.get("favourites_count", 0), comments=status.get("replies_count", 0),
                       shares=status.get("reblogs_count", 0))
