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

The container id is saved before media_publish is called. After a crash, a
container that is not PUBLISHED proves that nothing went out (it is published
then); a PUBLISHED one is looked up among the account's recent media.
"""

from __future__ import annotations

import time

from sapa.social.connectors.base import (
    CannotTell,
    Metrics,
    PublishResult,
    RejectedError,
    RetryableError,
    same_text,
)
from sapa.social.connectors.facebook import GraphConnector
from sapa.social.models import Network, PostVariant


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
        insights = self.json(self.request("GET", self.graph(f"{variant.external_id}/insights"), params={
            "metric": "reach,likes,comments,shares,saved", "access_token": self.token}))
        values = {}
        for row in insights.get("data", []):
            value = (row.get("values") or [{}])[0].get("value")
            if isinstance(value, int):
                values[row.get("name")] = value
        return Metrics(reach=values.get("reach"), likes=values.get("likes", 0),
                       comments=values.get("comments", 0), shares=values.get("shares", 0))
