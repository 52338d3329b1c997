"""Instagram professional account through the Graph API: container → status → media_publish.

1. POST /{ig-user-id}/media (image_url, caption, alt_text) → a container id;
   a carousel: one container per image (is_carousel_item=true), then one
   with media_type=CAROUSEL and children=id,id,...;
2. GET /{container-id}?fields=status_code until FINISHED;
3. POST /{ig-user-id}/media_publish (creation_id) → the media id;
4. GET /{media-id}?fields=permalink; the first comment: POST /{media-id}/comments.

Instagram fetches the image itself from `image_url`: Sapa's media must be
reachable from the internet (SAPA_BASE_URL, or S3 storage).
Credentials: {"access_token": "<token of the linked Facebook Page>"}.

Before anything is created, GET /{ig-user-id}/content_publishing_limit
(fields quota_usage, config{quota_total, quota_duration}) says how many posts
the account published in the rolling window; when it is used up, nothing is
sent and `QuotaExhausted` defers the variant (sapa.social.publishing). The
quota read is kept on the channel (server_limits) for the scheduling check.

The container id is saved before media_publish is called. After a crash, a
container that is not PUBLISHED proves that nothing went out (it is published
then); a PUBLISHED one is looked up among the account's recent media.
"""

from __future__ import annotations

import logging
import time

from django.utils import timezone

from sapa.social.connectors.base import (
    CannotTell,
    Metrics,
    PublishResult,
    QuotaExhausted,
    RejectedError,
    RetryableError,
    same_text,
)
from sapa.social.connectors.facebook import GraphConnector
from sapa.social.models import Channel, Network, PostVariant

log = logging.getLogger("sapa.social")


class InstagramConnector(GraphConnector):
    network = Network.INSTAGRAM
    missing_is_certain = True

    def test_connection(self) -> str:
        account = self.json(self.request("GET", self.graph(self.channel.account_id),
                                         params={"fields": "id,username", "access_token": self.token}))
        self.channel.handle = account.get("username", "")
        return "@" + self.channel.handle

    def publishing_quota(self) -> dict:
        """How many posts the account has left in the rolling 24 hours (quota_usage, config)."""
        data = self.json(self.request(
            "GET", self.graph(f"{self.channel.account_id}/content_publishing_limit"),
            params={"fields": "quota_usage,config", "access_token": self.token}))
        return (data.get("data") or [{}])[0]

    def check_quota(self) -> None:
        """Raise QuotaExhausted when the account's publishing quota is used up; remember the quota.

        A quota that cannot be read (a refusal, e.g. a missing permission) does not
        stop the publish: Instagram itself will refuse a post over the limit.
        """
        try:
            quota = self.publishing_quota()
        except RejectedError as exc:
            log.info("channel %s: the publishing quota could not be read: %s", self.channel.pk, exc.message)
            return
        usage = quota.get("quota_usage")
        config = quota.get("config") or {}
        total, duration = config.get("quota_total"), config.get("quota_duration") or 86400
        if isinstance(total, int) and total > 0:
            limits = {**(self.channel.server_limits or {}), "quota_total": total, "quota_duration": duration}
            if limits != self.channel.server_limits:
                self.channel.server_limits = limits
                Channel.objects.filter(pk=self.channel.pk).update(server_limits=limits,
                                                                  server_limits_fetched_at=timezone.now())
        if isinstance(usage, int) and isinstance(total, int) and total > 0 and usage >= total:
            raise QuotaExhausted(
                f"Instagram's publishing limit is used up: {usage} of {total} posts in "
                f"{duration // 3600} hours", usage=usage, total=total, duration=int(duration))

    def _container(self, **fields) -> str:
        created = self.json(self.request("POST", self.graph(f"{self.channel.account_id}/media"),
                                         data={**fields, "access_token": self.token}))
        return created["id"]

    def _status(self, container_id: str) -> str:
        data = self.json(self.request("GET", self.graph(container_id),
                                      params={"fields": "status_code", "access_token": self.token}))
        return data.get("status_code", "")

    def _wait_finished(self, container_id: str) -> None:
        for _ in range(self.poll_attempts):
            status = self._status(container_id)
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED"):
                raise RejectedError(f"Instagram could not process the media (status {status}).")
            time.sleep(self.poll_interval)
        raise RetryableError("Instagram is still processing the media.")

    def publish(self, variant: PostVariant) -> PublishResult:
        images = variant.ordered_media()
        caption = variant.full_text()
        data = variant.publish_data or {}
        container = data.get("container_id")
        if container and self._status(container) == "PUBLISHED":
            found = self.find_existing(variant)
            if found:
                return found
            raise CannotTell("Instagram published the container but the post was not found.")
        self.check_quota()
        if not container or self._status(container) in ("ERROR", "EXPIRED"):
            if len(images) == 1:
                container = self._container(image_url=self.media_url(images[0]), caption=caption,
                                            alt_text=images[0].alt_text)
            else:
                children = [self._container(image_url=self.media_url(item), is_carousel_item="true",
                                            alt_text=item.alt_text) for item in images]
                for child in children:
                    self._wait_finished(child)
                container = self._container(media_type="CAROUSEL", children=",".join(children),
                                            caption=caption)
            self.checkpoint(variant, container_id=container)
        self._wait_finished(container)
        published = self.json(self.request(
            "POST", self.graph(f"{self.channel.account_id}/media_publish"), ambiguous_on_timeout=True,
            data={"creation_id": container, "access_token": self.token}))
        media_id = published["id"]
        url = ""
        try:
            url = self.json(self.request("GET", self.graph(media_id), params={
                "fields": "permalink", "access_token": self.token})).get("permalink", "")
        except (RejectedError, RetryableError):
            pass
        result = PublishResult(external_id=media_id, url=url)
        if variant.first_comment.strip():
            try:
                self.request("POST", self.graph(f"{media_id}/comments"),
                             data={"message": variant.first_comment, "access_token": self.token})
            except (RejectedError, RetryableError) as exc:
                result.warnings.append(f"first comment: {exc.message}")
        return result

    def find_existing(self, variant: PostVariant) -> PublishResult | None:
        container = (variant.publish_data or {}).get("container_id")
        if not container:
            return None  # the container is saved before media_publish: nothing was published
        if self._status(container) != "PUBLISHED":
            return None
        media = self.json(self.request("GET", self.graph(f"{self.channel.account_id}/media"), params={
            "fields": "id,caption,permalink,timestamp", "limit": 25, "access_token": self.token}))
        for item in media.get("data", []):
            if same_text(variant.full_text(), item.get("caption", "")):
                return PublishResult(external_id=item["id"], url=item.get("permalink", ""))
        raise CannotTell("Instagram published the container but the post is not among the recent ones.")

    def fetch_metrics(self, variant: PostVariant) -> Metrics | None:
        """GET /{ig-media-id}/insights?metric=reach,likes,comments,shares,saved,views.

        `views` replaced `impressions` (v22.0) and is stored as impressions. A media
        without insights (too few viewers: error #10; media of an album) falls
        back to the media's own like_count and comments_count.
        """
        try:
            insights = self.json(self.request("GET", self.graph(f"{variant.external_id}/insights"), params={
                "metric": "reach,likes,comments,shares,saved,views", "access_token": self.token}))
        except RejectedError:
            media = self.json(self.request("GET", self.graph(variant.external_id), params={
                "fields": "like_count,comments_count", "access_token": self.token}))
            return Metrics(likes=media.get("like_count") or 0, comments=media.get("comments_count") or 0)
        values = {}
        for row in insights.get("data", []):
            value = (row.get("values") or [{}])[0].get("value")
            if isinstance(value, int):
                values[row.get("name")] = value
        return Metrics(reach=values.get("reach"), impressions=values.get("views"), likes=values.get("likes", 0),
                       comments=values.get("comments", 0), shares=values.get("shares", 0))
