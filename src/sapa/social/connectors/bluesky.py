"""Bluesky (AT Protocol): createSession → uploadBlob → createRecord (app.bsky.feed.post).

Credentials: {"identifier": "perpus.bsky.social", "app_password": "xxxx-xxxx-xxxx-xxxx"}.
The session's access token is cached for a while (createSession allows 30
calls in 5 minutes); an "ExpiredToken" answer opens a new session once.

Links and hashtags become facets with UTF-8 byte offsets. Every post is
created with a record key (a TID) chosen before the network is called and
saved on the variant, so after a crash `getRecord` says for certain whether
the post exists; if it does not, publishing again with the same key cannot
make a second post.
"""

from __future__ import annotations

import io
import random
import time
from datetime import UTC, datetime

from django.core.cache import cache
from PIL import Image

from sapa.social import text as textcount
from sapa.social.connectors.base import (
    AuthError,
    Connector,
    Metrics,
    PublishResult,
    RejectedError,
    RetryableError,
    reset_header_delay,
)
from sapa.social.models import Network, PostVariant

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
SESSION_SECONDS = 60 * 60


def make_tid(micros: int | None = None, clock_id: int | None = None) -> str:
    """A record key of the AT Protocol "tid" format: 13 base32-sortable characters."""
    micros = int(time.time() * 1_000_000) if micros is None else micros
    clock_id = random.randrange(1024) if clock_id is None else clock_id  # noqa: S311 - not a secret
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 1023)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def facets(text: str) -> list[dict]:
    """Link and hashtag facets of `text`, with UTF-8 byte offsets."""
    result = []
    for start, end, url in textcount.find_urls(text):
        byte_start, byte_end = textcount.byte_range(text, start, end)
        uri = url if url.lower().startswith("http") else "https://" + url
        result.append({"index": {"byteStart": byte_start, "byteEnd": byte_end},
                       "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]})
    for match in textcount.HASHTAG_RE.finditer(text):
        if any(s <= match.start() < e for s, e, _ in textcount.find_urls(text)):
            continue
        byte_start, byte_end = textcount.byte_range(text, match.start(), match.end())
        result.append({"index": {"byteStart": byte_start, "byteEnd": byte_end},
                       "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": match.group(1)}]})
    return result


def strip_exif(data: bytes) -> bytes:
    """The image without EXIF (location, camera), as Bluesky asks; unchanged when it has none."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if not img.getexif() or img.format != "JPEG":
                return data
            out = io.BytesIO()
            img.save(out, "JPEG", quality=95)
            return out.getvalue()
    except Exception:  # noqa: BLE001 - not decodable here; send as is
        return data


class BlueskyConnector(Connector):
    network = Network.BLUESKY
    default_base_url = "https://bsky.social"
    missing_is_certain = True

    def retry_after(self, response):
        return super().retry_after(response) or reset_header_delay(response.headers.get("ratelimit-reset"))

    def _error_name(self, response) -> str:
        try:
            return str(response.json().get("error", ""))
        except (ValueError, AttributeError):
            return ""

    def raise_for_response(self, response) -> None:
        if response.status_code in (400, 401) and self._error_name(response) in ("ExpiredToken", "InvalidToken"):
            raise _SessionExpired(self.error_message(response), status=response.status_code)
        if response.status_code == 401:
            raise AuthError(self.error_message(response), status=401)
        super().raise_for_response(response)

    @property
    def _cache_key(self) -> str:
        return f"sapa:social:bsky-session:{self.channel.pk}:{self.channel.credentials_encrypted[-16:]}"

    def session(self, fresh: bool = False) -> dict:
        """{"accessJwt", "did", "handle"}: cached, or a new one from createSession."""
        if not fresh:
            cached = cache.get(self._cache_key)
            if cached:
                return cached
        try:
            data = self.json(self.request(
                "POST", f"{self.base_url}/xrpc/com.atproto.server.createSession",
                json={"identifier": self.credentials.get("identifier", ""),
                      "password": self.credentials.get("app_password", "")}))
        except _SessionExpired as exc:
            raise AuthError(exc.message, status=exc.status) from None
        session = {"accessJwt": data["accessJwt"], "did": data["did"], "handle": data.get("handle", "")}
        cache.set(self._cache_key, session, SESSION_SECONDS)
        return session

    def _call(self, method: str, path: str, **kwargs):
        """An authenticated XRPC call; a new session once when the token expired."""
        for fresh in (False, True):
            session = self.session(fresh=fresh)
            headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {session['accessJwt']}"}
            try:
                return self.request(method, f"{self.base_url}/xrpc/{path}", headers=headers, **kwargs), session
            except _SessionExpired:
                cache.delete(self._cache_key)
                kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
        raise AuthError("Bluesky refused the session twice")

    def test_connection(self) -> str:
        session = self.session(fresh=True)
        self.channel.account_id = session["did"]
        self.channel.handle = session["handle"]
        return "@" + session["handle"]

    def prepare(self, variant: PostVariant) -> dict:
        data = variant.publish_data or {}
        if data.get("rkey"):
            return {}
        return {"rkey": make_tid(), "created_at": datetime.now(tz=UTC).isoformat().replace("+00:00", "Z")}

    def _post_url(self, session: dict, rkey: str) -> str:
        return f"https://bsky.app/profile/{session.get('handle') or session['did']}/post/{rkey}"

    def publish(self, variant: PostVariant) -> PublishResult:
        data = variant.publish_data or {}
        rkey = data.get("rkey") or make_tid()
        text = variant.full_text()
        images = []
        for item in variant.ordered_media():
            response, session = self._call(
                "POST", "com.atproto.repo.uploadBlob", content=strip_exif(self.media_bytes(item)),
                headers={"Content-Type": item.mime_type or "image/jpeg"})
            image = {"alt": item.alt_text, "image": self.json(response)["blob"]}
            if item.width and item.height:
                image["aspectRatio"] = {"width": item.width, "height": item.height}
            images.append(image)
        record = {"$type": "app.bsky.feed.post", "text": text,
                  "createdAt": data.get("created_at") or datetime.now(tz=UTC).isoformat().replace("+00:00", "Z"),
                  "langs": ["id"]}
        found_facets = facets(text)
        if found_facets:
            record["facets"] = found_facets
        if images:
            record["embed"] = {"$type": "app.bsky.embed.images", "images": images}
        response, session = self._call(
            "POST", "com.atproto.repo.createRecord", ambiguous_on_timeout=True,
            json={"repo": self.session()["did"], "collection": "app.bsky.feed.post", "rkey": rkey,
                  "record": record})
        created = self.json(response)
        result = PublishResult(external_id=created["uri"], url=self._post_url(session, rkey))
        if variant.first_comment.strip():
            try:
                ref = {"uri": created["uri"], "cid": created["cid"]}
                reply = {"$type": "app.bsky.feed.post", "text": variant.first_comment,
                         "createdAt": datetime.now(tz=UTC).isoformat().replace("+00:00", "Z"),
                         "langs": ["id"], "reply": {"root": ref, "parent": ref}}
                comment_facets = facets(variant.first_comment)
                if comment_facets:
                    reply["facets"] = comment_facets
                self._call("POST", "com.atproto.repo.createRecord",
                           json={"repo": session["did"], "collection": "app.bsky.feed.post", "record": reply})
            except (RejectedError, RetryableError) as exc:
                result.warnings.append(f"first comment: {exc.message}")
        return result

    def find_existing(self, variant: PostVariant) -> PublishResult | None:
        rkey = (variant.publish_data or {}).get("rkey")
        if not rkey:
            return None  # the record key is chosen before any call: nothing was sent
        session = self.session()
        try:
            response, session = self._call(
                "GET", "com.atproto.repo.getRecord",
                params={"repo": session["did"], "collection": "app.bsky.feed.post", "rkey": rkey})
        except RejectedError as exc:
            if exc.status == 400 and ("RecordNotFound" in exc.message or "not found" in exc.message.lower()):
                return None
            raise
        record = self.json(response)
        return PublishResult(external_id=record["uri"], url=self._post_url(session, rkey))

    def error_message(self, response) -> str:
        try:
            body = response.json()
        except ValueError:
            return ""  # the server is the channel's own choice: its raw text is never shown
        if isinstance(body, dict):
            name, message = body.get("error"), body.get("message")
            if name and message:
                return f"{message} ({name})"[:1000]
            return str(message or name or "")[:1000]
        return ""

    def fetch_metrics(self, variant: PostVariant) -> Metrics | None:
        response, _ = self._call("GET", "app.bsky.feed.getPosts", params={"uris": variant.external_id})
        posts = self.json(response).get("posts") or []
        if not posts:
            return None
        post = posts[0]
        return Metrics(likes=post.get("likeCount", 0), comments=post.get("replyCount", 0),
                       shares=post.get("repostCount", 0) + post.get("quoteCount", 0))


class _SessionExpired(RejectedError):
    """The access token expired: open a new session."""
