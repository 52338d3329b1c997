"""X: POST /2/tweets (JSON {"text", "media": {"media_ids": [...]}}), images via POST /2/media/upload.

Credentials: {"access_token": "<OAuth 2.0 user-context token>"} with the scopes
tweet.write, tweet.read, users.read and media.write. Refreshing the token
(they last two hours) is not done yet: when X answers 401 the channel is
marked "needs reconnecting".
Errors: problem details ({"title", "detail", "status"}), or {"errors": [{"message"}]};
429 with x-rate-limit-reset (a Unix time).
After a crash the account's recent posts are searched for the text.
"""

from __future__ import annotations

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


class XConnector(Connector):
    network = Network.X
    default_base_url = "https://api.x.com"

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.credentials.get('access_token', '')}"}

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
        me = self.json(self.request("GET", f"{self.base_url}/2/users/me", headers=self._headers()))["data"]
        self.channel.account_id = str(me.get("id", ""))
        self.channel.handle = me.get("username", "")
        return "@" + self.channel.handle

    def _upload(self, item) -> str:
        media = self.json(self.request(
            "POST", f"{self.base_url}/2/media/upload", headers=self._headers(),
            data={"media_category": "tweet_image", "media_type": item.mime_type or "image/jpeg"},
            files={"media": (item.original_name or "image.jpg", self.media_bytes(item),
                             item.mime_type or "image/jpeg")}))["data"]
        media_id = str(media["id"])
        if item.alt_text:
            self.request("POST", f"{self.base_url}/2/media/metadata", headers=self._headers(),
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
        tweet = self.json(self.request("POST", f"{self.base_url}/2/tweets", json=body, headers=self._headers(),
                                       ambiguous_on_timeout=True))["data"]
        result = PublishResult(external_id=str(tweet["id"]), url=self._url(tweet["id"]))
        if variant.first_comment.strip():
            try:
                self.request("POST", f"{self.base_url}/2/tweets", headers=self._headers(), json={
                    "text": variant.first_comment, "reply": {"in_reply_to_tweet_id": result.external_id}})
            except (RejectedError, RetryableError) as exc:
                result.warnings.append(f"first comment: {exc.message}")
        return result

    def find_existing(self, variant: PostVariant) -> PublishResult | None:
        if not self.channel.account_id:
            raise CannotTell("the account id is unknown")
        data = self.json(self.request(
            "GET", f"{self.base_url}/2/users/{self.channel.account_id}/tweets", headers=self._headers(),
            params={"max_results": 10, "tweet.fields": "created_at", "exclude": "replies"}))
        for tweet in data.get("data") or []:
            if same_text(variant.full_text(), tweet.get("text", "")):
                return PublishResult(external_id=str(tweet["id"]), url=self._url(tweet["id"]))
        return None

    def fetch_metrics(self, variant: PostVariant) -> Metrics | None:
        data = self.json(self.request("GET", f"{self.base_url}/2/tweets/{variant.external_id}",
                                      headers=self._headers(), params={"tweet.fields": "public_metrics"}))
        public = (data.get("data") or {}).get("public_metrics") or {}
        return Metrics(likes=public.get("like_count", 0), comments=public.get("reply_count", 0),
                       shares=public.get("retweet_count", 0) + public.get("quote_count", 0),
                       impressions=public.get("impression_count"))
