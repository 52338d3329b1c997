"""Facebook Page through the Graph API.

- text and link: POST /{page-id}/feed (message, link);
- one photo: POST /{page-id}/photos (the file as `source`, caption);
- several photos: each POST /{page-id}/photos with published=false, then
  POST /{page-id}/feed with attached_media[n]={"media_fbid": id};
- first comment: POST /{post-id}/comments (message).

Credentials: {"access_token": "<Page access token>"} (from GET /{user-id}/accounts;
permissions pages_manage_posts, pages_read_engagement, pages_show_list).
Graph errors: {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}};
code 190 is an expired or revoked token (sent with HTTP 400 or 401).
After a crash the page's recent posts are searched for the text.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sapa.social.connectors.base import (
    AuthError,
    Connector,
    Metrics,
    PublishResult,
    RejectedError,
    RetryableError,
    parse_retry_after,
    same_text,
)
from sapa.social.models import Network, PostVariant

GRAPH_VERSION = "v21.0"
# Graph error codes: the token (190, 102), permissions revoked (10, 200 with a 4xx on the token
# are refusals, not token problems), rate limits (4, 17, 32, 613, 80001), transient (1, 2).
TOKEN_CODES = {190, 102}
RATE_LIMIT_CODES = {4, 17, 32, 613, 80001, 80004}
TRANSIENT_CODES = {1, 2}


class GraphConnector(Connector):
    """What Facebook and Instagram share: the Graph API and its errors."""

    default_base_url = "https://graph.facebook.com"

    def graph(self, path: str) -> str:
        return f"{self.base_url}/{GRAPH_VERSION}/{path.lstrip('/')}"

    @property
    def token(self) -> str:
        return self.credentials.get("access_token", "")

    def _error(self, response) -> dict:
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):
            return {}
        return error if isinstance(error, dict) else {}

    def error_message(self, response) -> str:
        error = self._error(response)
        return str(error.get("error_user_msg") or error.get("message") or response.text[:300])

    def raise_for_response(self, response) -> None:
        error = self._error(response)
        code = error.get("code")
        message = self.error_message(response)
        status = response.status_code
        if code in TOKEN_CODES or (status == 401 and not error):
            raise AuthError(message, status=status, code=str(code))
        if code in RATE_LIMIT_CODES or status == 429:
            raise RetryableError(message, status=status, code=str(code),
                                 retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if code in TRANSIENT_CODES or error.get("is_transient") or status >= 500:
            raise RetryableError(message, status=status, code=str(code))
        raise RejectedError(message, status=status, code=str(code))


class FacebookConnector(GraphConnector):
    network = Network.FACEBOOK_PAGE

    def test_connection(self) -> str:
        page = self.json(self.request("GET", self.graph(self.channel.account_id),
                                      params={"fields": "id,name", "access_token": self.token}))
        return page.get("name") or page.get("id", "")

    def publish(self, variant: PostVariant) -> PublishResult:
        page = self.channel.account_id
        images = variant.ordered_media()
        if len(images) == 1:
            item = images[0]
            caption = variant.full_text()
            created = self.json(self.request(
                "POST", self.graph(f"{page}/photos"), ambiguous_on_timeout=True,
                data={"caption": caption, "published": "true", "access_token": self.token},
                files={"source": (item.original_name or "photo.jpg", self.media_bytes(item),
                                  item.mime_type or "image/jpeg")}))
            post_id = created.get("post_id") or created["id"]
        else:
            # A link goes in `link` (Facebook draws its preview card), not in the message.
            data = {"message": variant.text, "access_token": self.token}
            if variant.link:
                data["link"] = variant.link
            for n, item in enumerate(images):
                photo = self.json(self.request(
                    "POST", self.graph(f"{page}/photos"),
                    data={"published": "false", "access_token": self.token},
                    files={"source": (item.original_name or "photo.jpg", self.media_bytes(item),
                                      item.mime_type or "image/jpeg")}))
                data[f"attached_media[{n}]"] = json.dumps({"media_fbid": photo["id"]})
            if images:
                data["message"] = variant.full_text()
                data.pop("link", None)
            created = self.json(self.request("POST", self.graph(f"{page}/feed"), data=data,
                                             ambiguous_on_timeout=True))
            post_id = created["id"]
        result = PublishResult(external_id=post_id, url=f"https://www.facebook.com/{post_id}")
        if variant.first_comment.strip():
            try:
                self.request("POST", self.graph(f"{post_id}/comments"),
                             data={"message": variant.first_comment, "access_token": self.token})
            except (RejectedError, RetryableError) as exc:
                result.warnings.append(f"first comment: {exc.message}")
        return result

    def find_existing(self, variant: PostVariant) -> PublishResult | None:
        feed = self.json(self.request("GET", self.graph(f"{self.channel.account_id}/feed"), params={
            "fields": "id,message,created_time,permalink_url", "limit": 25, "access_token": self.token}))
        since = (variant.attempt_started_at - timedelta(minutes=10)) if variant.attempt_started_at else None
        for post in feed.get("data", []):
            created = post.get("created_time")
            if since and created:
                try:
                    if datetime.strptime(created, "%Y-%m-%dT%H:%M:%S%z") < since:
                        continue
                except ValueError:
                    pass
            if same_text(variant.full_text(), post.get("message", "")) or (
                variant.text and same_text(variant.text, post.get("message", ""))
            ):
                return PublishResult(external_id=post["id"],
                                     url=post.get("permalink_url") or f"https://www.facebook.com/{post['id']}")
        return None

    def fetch_metrics(self, variant: PostVariant) -> Metrics | None:
        """Reactions, comments and shares of the post, then its reach from the post's insights.

        GET /{post-id}?fields=shares,reactions.summary(total_count).limit(0),comments.summary(...)
        and GET /{post-id}/insights?metric=post_total_media_view_unique,post_clicks (needs
        pages_read_engagement; a refusal keeps the counts without reach).
        """
        post = self.json(self.request("GET", self.graph(variant.external_id), params={
            "fields": "shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)",
            "access_token": self.token}))
        metrics = Metrics(
            likes=((post.get("reactions") or {}).get("summary") or {}).get("total_count", 0),
            comments=((post.get("comments") or {}).get("summary") or {}).get("total_count", 0),
            shares=(post.get("shares") or {}).get("count", 0),
        )
        try:
            insights = self.json(self.request("GET", self.graph(f"{variant.external_id}/insights"), params={
                "metric": "post_total_media_view_unique,post_clicks", "access_token": self.token}))
        except RejectedError:
            return metrics  # insights need pages_read_engagement and 100+ page likes
        for row in insights.get("data", []):
            value = (row.get("values") or [{}])[0].get("value")
            if not isinstance(value, int):
                continue
            # post_total_media_view_unique replaced post_impressions_unique (deprecated June 2025).
            if row.get("name") in ("post_total_media_view_unique", "post_impressions_unique"):
                metrics.reach = value
            elif row.get("name") == "post_clicks":
                metrics.clicks = value
        return metrics
