"""Telegram channel through the Bot API: sendMessage, sendPhoto, sendMediaGroup.

The bot must be an administrator of the channel. `chat_id` is the channel's
@username or its numeric id (-100...). Credentials: {"bot_token": "123:ABC"}.
Errors come as {"ok": false, "error_code": 429, "description": "...",
"parameters": {"retry_after": 5}}.

The Bot API cannot list a channel's past messages, so after a crash Sapa cannot
tell whether a message went out: such a variant is left for a person to check.
"""

from __future__ import annotations

import json

from sapa.social.connectors.base import (
    AuthError,
    CannotTell,
    Connector,
    PublishResult,
    RejectedError,
    RetryableError,
)
from sapa.social.models import Network, PostVariant


class TelegramConnector(Connector):
    network = Network.TELEGRAM
    default_base_url = "https://api.telegram.org"

    def _url(self, method: str) -> str:
        return f"{self.base_url}/bot{self.credentials.get('bot_token', '')}/{method}"

    @property
    def chat_id(self) -> str:
        chat = self.channel.account_id or self.channel.handle
        if chat and not chat.lstrip("-").isdigit() and not chat.startswith("@"):
            chat = "@" + chat
        return chat

    def raise_for_response(self, response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = {}
        description = str(body.get("description") or response.text[:300])
        status = response.status_code
        if status == 429:
            retry_after = (body.get("parameters") or {}).get("retry_after")
            raise RetryableError(description, status=status,
                                 retry_after=float(retry_after) if retry_after is not None else None)
        if status >= 500:
            raise RetryableError(description, status=status)
        if status == 401:
            raise AuthError(description, status=status)
        if status == 403 and "not a member" not in description and "kicked" not in description:
            raise RejectedError(description, status=status)
        if status == 403:
            # The bot was removed from the channel: it must be added back as an admin.
            raise AuthError(description, status=status)
        raise RejectedError(description, status=status)

    def _result(self, response):
        body = self.json(response)
        if not body.get("ok"):
            raise RejectedError(str(body.get("description") or body))
        return body["result"]

    def test_connection(self) -> str:
        me = self._result(self.request("GET", self._url("getMe")))
        chat = self._result(self.request("GET", self._url("getChat"), params={"chat_id": self.chat_id}))
        if chat.get("username"):
            self.channel.handle = chat["username"]
        return f"@{me.get('username')} → {chat.get('title') or self.chat_id}"

    def message_url(self, message_id) -> str:
        handle = (self.channel.handle or "").lstrip("@")
        if handle and not handle.lstrip("-").isdigit():
            return f"https://t.me/{handle}/{message_id}"
        chat = str(self.channel.account_id)
        if chat.startswith("-100"):
            return f"https://t.me/c/{chat[4:]}/{message_id}"
        return ""

    def publish(self, variant: PostVariant) -> PublishResult:
        text = variant.full_text()
        images = variant.ordered_media()
        if not images:
            message = self._result(self.request(
                "POST", self._url("sendMessage"), ambiguous_on_timeout=True,
                data={"chat_id": self.chat_id, "text": text}))
            return self._published(message)
        if len(images) == 1:
            item = images[0]
            message = self._result(self.request(
                "POST", self._url("sendPhoto"), ambiguous_on_timeout=True,
                data={"chat_id": self.chat_id, "caption": text},
                files={"photo": (item.original_name or "photo.jpg", self.media_bytes(item),
                                 item.mime_type or "image/jpeg")}))
            return self._published(message)
        media, files = [], {}
        for n, item in enumerate(images):
            entry = {"type": "photo", "media": f"attach://photo{n}"}
            if n == 0 and text:
                entry["caption"] = text
            media.append(entry)
            files[f"photo{n}"] = (item.original_name or f"photo{n}.jpg", self.media_bytes(item),
                                  item.mime_type or "image/jpeg")
        messages = self._result(self.request(
            "POST", self._url("sendMediaGroup"), ambiguous_on_timeout=True,
            data={"chat_id": self.chat_id, "media": json.dumps(media)}, files=files))
        return self._published(messages[0])

    def _published(self, message: dict) -> PublishResult:
        message_id = message["message_id"]
        chat = message.get("chat") or {}
        return PublishResult(external_id=f"{chat.get('id', self.chat_id)}:{message_id}",
                             url=self.message_url(message_id))

    def find_existing(self, variant: PostVariant) -> PublishResult | None:
        raise CannotTell("Telegram's Bot API cannot list a channel's messages.")
