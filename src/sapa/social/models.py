"""Social media: channels, media, posts and their per-channel variants, history, metrics.

A `Post` is written once; each `PostVariant` is its text, link and media for
one `Channel`, checked against that network's limits (sapa.social.validation)
and published by the worker (sapa.social.publishing) through the network's
connector (sapa.social.connectors). The allowed state changes of a variant
are listed once, in sapa.social.workflow.TRANSITIONS.
"""

import json
import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sapa.social.crypto import decrypt, encrypt


class Network(models.TextChoices):
    FACEBOOK_PAGE = "facebook_page", _("Facebook Page")
    INSTAGRAM = "instagram", _("Instagram")
    TELEGRAM = "telegram", _("Telegram channel")
    MASTODON = "mastodon", _("Mastodon")
    BLUESKY = "bluesky", _("Bluesky")
    X = "x", _("X")
    YOUTUBE = "youtube", _("YouTube")
    TIKTOK = "tiktok", _("TikTok")
    WHATSAPP = "whatsapp", _("WhatsApp")


# Networks without a publishing API that suits a library: always manual.
MANUAL_ONLY_NETWORKS = {Network.YOUTUBE, Network.TIKTOK, Network.WHATSAPP}
# Networks whose channels name their own server (Mastodon's instance, Bluesky's PDS). The
# others always talk to the network's one address: a server address typed for them would
# only be a way to send the channel's token elsewhere.
SERVER_URL_NETWORKS = {Network.MASTODON, Network.BLUESKY}


def normalized_server_url(url: str) -> str:
    """A server address as compared: no final slash ("" for the network's default server)."""
    return (url or "").strip().rstrip("/")


class ChannelStatus(models.TextChoices):
    OK = "ok", _("Connected")
    NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnecting")


class Channel(models.Model):
    """One of the library's accounts on a network.

    Credentials (tokens, app passwords) are kept encrypted (`credentials`
    property; see sapa.social.crypto). A channel is *manual* when the network
    has no publishing API for us or none is configured: Sapa then reminds the
    staff at the scheduled time instead of publishing.
    """

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="social_channels")
    network = models.CharField(_("network"), max_length=20, choices=Network.choices)
    name = models.CharField(_("name"), max_length=120)
    # Page id (Facebook), IG user id (Instagram), @channel or numeric chat id
    # (Telegram), account id (Mastodon, X), DID (Bluesky).
    account_id = models.CharField(_("account id"), max_length=200, blank=True)
    handle = models.CharField(_("handle"), max_length=200, blank=True)
    server_url = models.URLField(
        _("server address"), blank=True,
        help_text=_("Mastodon: your server, e.g. https://mastodon.social. Bluesky: your PDS "
                    "(default https://bsky.social). Others: leave empty."),
    )
    manual = models.BooleanField(
        _("post by hand"), default=False,
        help_text=_("Sapa reminds the staff at the scheduled time instead of publishing."),
    )
    status = models.CharField(_("status"), max_length=20, choices=ChannelStatus.choices,
                              default=ChannelStatus.OK, db_index=True)
    status_message = models.TextField(_("status message"), blank=True)
    needs_reconnect_since = models.DateTimeField(null=True, blank=True)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    # [{"weekday": 0..6 (Monday = 0), "times": ["09:00", "19:30"]}, ...] in the library's time zone.
    time_slots = models.JSONField(_("posting time slots"), default=list, blank=True)
    # Limits the network reported about itself (Mastodon's /api/v2/instance).
    server_limits = models.JSONField(default=dict, blank=True, editable=False)
    server_limits_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["library", "network", "name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        indexes = [models.Index(fields=["library", "network"])]

    def __str__(self):
        return f"{self.name} ({self.get_network_display()})"

    # Kept with the credentials of a Mastodon or Bluesky channel: the server they were typed for.
    _SERVER_KEY = "_server"

    def _stored_credentials(self) -> dict:
        if not self.credentials_encrypted:
            return {}
        return json.loads(decrypt(self.credentials_encrypted))

    @property
    def credentials(self) -> dict:
        """The decrypted credentials ({} when none)."""
        stored = self._stored_credentials()
        stored.pop(self._SERVER_KEY, None)
        return stored

    @credentials.setter
    def credentials(self, value: dict) -> None:
        """Store them encrypted; a Mastodon or Bluesky channel's are tied to its server_url of now."""
        value = {k: v for k, v in (value or {}).items() if k != self._SERVER_KEY}
        if value and self.network in SERVER_URL_NETWORKS:
            value[self._SERVER_KEY] = normalized_server_url(self.server_url)
        self.credentials_encrypted = encrypt(json.dumps(value)) if value else ""

    @property
    def credentials_match_server(self) -> bool:
        """False when the credentials were stored for another server than the channel's now
        (they must then be typed in again; they are never sent to the new one). Credentials
        stored before servers were recorded are taken as the current server's."""
        stored = self._stored_credentials()
        if self.network not in SERVER_URL_NETWORKS or self._SERVER_KEY not in stored:
            return True
        return stored[self._SERVER_KEY] == normalized_server_url(self.server_url)

    @property
    def is_manual(self) -> bool:
        """True when Sapa reminds staff instead of publishing (no API, or no credentials)."""
        return self.manual or self.network in MANUAL_ONLY_NETWORKS or not self.credentials_encrypted

    @property
    def can_publish(self) -> bool:
        return self.is_active and self.status == ChannelStatus.OK


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")


class MediaItem(models.Model):
    """A file of the library's media library: an image with alt text, or a video.

    Width, height, size and format are read on upload (sapa.social.media.add_media)
    so that the checks never open the file again. Videos are for manual
    channels (YouTube, TikTok, WhatsApp): staff download and post them.
    """

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="social_media")
    kind = models.CharField(_("kind"), max_length=10, choices=MediaKind.choices, default=MediaKind.IMAGE)
    file = models.FileField(_("file"), upload_to="social/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True)
    alt_text = models.TextField(_("alt text"), blank=True,
                                help_text=_("What the image shows, for people who cannot see it."))
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    # Pillow's name ("JPEG", "PNG", "WEBP", "GIF", ...) or the video's extension.
    format = models.CharField(max_length=20, blank=True)
    mime_type = models.CharField(max_length=100, blank=True)
    # A crop or resize of another item (sapa.social.media.fit_for_network).
    derived_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="derivatives")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("media item")
        verbose_name_plural = _("media items")

    def __str__(self):
        return self.original_name or self.file.name

    @property
    def aspect_ratio(self) -> float | None:
        """Width divided by height (None when unknown)."""
        if not self.width or not self.height:
            return None
        return self.width / self.height


class Campaign(models.Model):
    """A group of posts (a theme, an event's promotion) to filter the calendar by."""

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="social_campaigns")
    name = models.CharField(_("name"), max_length=150)
    color = models.CharField(_("colour"), max_length=7, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [models.UniqueConstraint(fields=["library", "name"], name="social_campaign_unique_name")]

    def __str__(self):
        return self.name


class VariantState(models.TextChoices):
    """The life of a post variant. Allowed changes: sapa.social.workflow.TRANSITIONS."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    # The worker stopped mid-publish and the network cannot tell whether the
    # post went out: never re-posted by itself; staff look and decide.
    NEEDS_CHECK = "needs_check", _("Check by hand")
    # A manual channel's time has come: the staff post it and give its URL.
    AWAITING_MANUAL = "awaiting_manual", _("Post by hand")


class Post(models.Model):
    """One message, written once, with a variant per channel.

    `status` sums up the variants (sapa.social.status.post_status); the
    review link's nonce changes on every submission for review, which voids
    older links.
    """

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="social_posts")
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("internal note"), blank=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="posts", verbose_name=_("campaign"))
    event = models.ForeignKey("events.Event", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="social_posts", verbose_name=_("event"))
    status = models.CharField(_("status"), max_length=20, choices=VariantState.choices,
                              default=VariantState.DRAFT, db_index=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    review_nonce = models.CharField(max_length=32, blank=True, editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    approved_by_label = models.CharField(max_length=254, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="social_posts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [models.Index(fields=["library", "status"])]

    def __str__(self):
        return self.title


def _idempotency_key() -> str:
    return uuid.uuid4().hex


class PostVariant(models.Model):
    """A post as it goes to one channel: text, link, first comment, media, time and state.

    Publishing records its intent (`idempotency_key`, `attempt_started_at`,
    `lease_expires_at`) before calling the network, so a worker that dies
    mid-publish leaves enough behind to reconcile instead of re-posting.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="variants")
    text = models.TextField(_("text"), blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    first_comment = models.TextField(_("first comment"), blank=True)
    media = models.ManyToManyField(MediaItem, through="VariantMedia", blank=True, related_name="variants")
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True, db_index=True)
    state = models.CharField(_("state"), max_length=20, choices=VariantState.choices,
                             default=VariantState.DRAFT, db_index=True)
    external_id = models.CharField(max_length=300, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(max_length=64, unique=True, default=_idempotency_key, editable=False)
    # Per-network data a publish needs to resume or reconcile (Bluesky's record key, ...).
    publish_data = models.JSONField(default=dict, blank=True)
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_at", "id"]
        verbose_name = _("post variant")
        verbose_name_plural = _("post variants")
        constraints = [models.UniqueConstraint(fields=["post", "channel"], name="social_one_variant_per_channel")]
        indexes = [models.Index(fields=["state", "scheduled_at"])]

    def __str__(self):
        return f"{self.post} → {self.channel}"

    @property
    def network(self) -> str:
        return self.channel.network

    def ordered_media(self) -> list[MediaItem]:
        """The variant's media in their order."""
        return [vm.media for vm in self.variant_media.select_related("media").order_by("position", "id")]

    def full_text(self) -> str:
        """The text as it goes out: the link appended when the text does not contain it."""
        if self.link and self.link not in self.text:
            return f"{self.text}\n\n{self.link}".strip() if self.text else self.link
        return self.text


class VariantMedia(models.Model):
    """Which media a variant carries, in which order (a carousel's order matters)."""

    variant = models.ForeignKey(PostVariant, on_delete=models.CASCADE, related_name="variant_media")
    media = models.ForeignKey(MediaItem, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["variant", "media"], name="social_media_once_per_variant")]

    def __str__(self):
        return f"{self.variant_id}#{self.position}: {self.media_id}"


class PostRevision(models.Model):
    """Every change of a post or its variants: who, when, what changed, and a snapshot."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    variant = models.ForeignKey(PostVariant, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="revisions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    # Who, as text: the account's email, a reviewer's name from a review link, or "Sapa" (the worker).
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=40)
    # {"field": [old, new], ...}
    changes = models.JSONField(default=dict, blank=True)
    snapshot = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"


class HashtagSet(models.Model):
    """A reusable group of hashtags ("#PerpustakaanDigital #LiterasiIndonesia")."""

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="hashtag_sets")
    name = models.CharField(_("name"), max_length=100)
    hashtags = models.TextField(_("hashtags"), help_text=_("Separated by spaces or new lines."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("hashtag set")
        verbose_name_plural = _("hashtag sets")

    def __str__(self):
        return self.name

    def tags(self) -> list[str]:
        """The hashtags, each with one leading '#', duplicates dropped, in order."""
        seen, result = set(), []
        for raw in self.hashtags.split():
            tag = "#" + raw.lstrip("#")
            if len(tag) > 1 and tag.lower() not in seen:
                seen.add(tag.lower())
                result.append(tag)
        return result

    def as_text(self) -> str:
        return " ".join(self.tags())


class PostTemplate(models.Model):
    """Reusable text with placeholders {event_title}, {event_date}, {registration_link}.

    Rendered by sapa.social.services.render_template.
    """

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="post_templates")
    name = models.CharField(_("name"), max_length=100)
    # Empty: for any network.
    network = models.CharField(_("network"), max_length=20, choices=Network.choices, blank=True)
    text = models.TextField(_("text"))
    hashtag_set = models.ForeignKey(HashtagSet, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="templates", verbose_name=_("hashtag set"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("post template")
        verbose_name_plural = _("post templates")

    def __str__(self):
        return self.name


class MetricsSource(models.TextChoices):
    API = "api", _("Fetched from the network")
    CSV = "csv", _("Imported from a CSV export")


class PostMetrics(models.Model):
    """What a published variant reached at one moment (a row per fetch or import)."""

    variant = models.ForeignKey(PostVariant, on_delete=models.CASCADE, related_name="metrics")
    fetched_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=10, choices=MetricsSource.choices, default=MetricsSource.API)
    reach = models.PositiveIntegerField(null=True, blank=True)
    impressions = models.PositiveIntegerField(null=True, blank=True)
    likes = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-fetched_at", "-id"]
        verbose_name = _("post metrics")
        verbose_name_plural = _("post metrics")

    def __str__(self):
        return f"{self.variant} @ {self.fetched_at:%Y-%m-%d}"

    @property
    def interactions(self) -> int:
        return self.likes + self.comments + self.shares + self.clicks

    @property
    def engagement_rate(self) -> float | None:
        """Interactions divided by reach (None when the reach is unknown or zero)."""
        if not self.reach:
            return None
        return self.interactions / self.reach


class ManualTask(models.Model):
    """An in-app to-do: post this variant by hand on a manual channel, then give its URL."""

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="social_tasks")
    variant = models.OneToOneField(PostVariant, on_delete=models.CASCADE, related_name="manual_task")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="social_tasks")
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")

    class Meta:
        ordering = ["done_at", "due_at"]
        verbose_name = _("manual posting task")
        verbose_name_plural = _("manual posting tasks")

    def __str__(self):
        return f"{self.variant} ({self.due_at:%Y-%m-%d %H:%M})"

    @property
    def is_open(self) -> bool:
        return self.done_at is None


def snapshot_of(post: Post) -> dict:
    """A plain-JSON picture of a post and its variants, kept in each revision."""

    def ts(value: datetime | None):
        return value.isoformat() if value else None

    return {
        "title": post.title,
        "note": post.note,
        "campaign": post.campaign_id,
        "event": post.event_id,
        "status": post.status,
        "variants": [
            {
                "id": v.pk,
                "channel": v.channel_id,
                "network": v.channel.network,
                "text": v.text,
                "link": v.link,
                "first_comment": v.first_comment,
                "media": [m.pk for m in v.ordered_media()],
                "scheduled_at": ts(v.scheduled_at),
                "state": v.state,
                "external_url": v.external_url,
            }
            for v in post.variants.select_related("channel").order_by("id")
        ],
    }
