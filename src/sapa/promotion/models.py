"""Short links, their daily click counts, and the link-in-bio page's pinned links and profiles.

No personal data: a click is kept as a per-day count; to count one visitor
once a day, a (link, day, visitor hash) row holds an HMAC of address and
browser under a key that changes every day (see sapa.promotion.clicks), and
those rows are deleted after two days.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    WHATSAPP = "whatsapp", "WhatsApp"
    X = "x", "X"
    TELEGRAM = "telegram", "Telegram"
    EMAIL = "email", _("Email")
    WEBSITE = "website", _("Website")
    FLYER = "flyer", _("Flyer (print, QR)")
    OTHER = "other", _("Other")


# utm_medium of each channel.
MEDIUM = {
    Channel.INSTAGRAM: "social", Channel.FACEBOOK: "social", Channel.WHATSAPP: "social",
    Channel.X: "social", Channel.TELEGRAM: "social", Channel.EMAIL: "email",
    Channel.WEBSITE: "referral", Channel.FLYER: "print", Channel.OTHER: "other",
}

CHANNEL_VALUES = frozenset(Channel.values)


class ShortLink(models.Model):
    """/s/<code>: a tracked link to an event (with UTM parameters) or to any URL.

    An event's link is one per (event, channel, label); `label` tells variants
    of one channel apart (a post variant, "bio"); `content_object` may point at
    what carries the link (a post variant, a pinned link).
    """

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="short_links")
    code = models.CharField(max_length=16, unique=True)
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="short_links")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    label = models.CharField(_("label"), max_length=100, blank=True)
    # For links that do not lead to an event (pinned links, profiles).
    target_url = models.URLField(_("address"), max_length=1000, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="+")
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    content_object = GenericForeignKey("content_type", "object_id")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event_id", "channel", "label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel", "label"],
                                    condition=models.Q(event__isnull=False, content_type__isnull=True),
                                    name="one_short_link_per_event_channel_label"),
        ]

    def __str__(self):
        return f"/s/{self.code}"

    @property
    def path(self) -> str:
        return f"/s/{self.code}"

    @property
    def url(self) -> str:
        return settings.BASE_URL + self.path


class ClickDay(models.Model):
    """The clicks of one link on one day (the site's time zone): people once each, and bots."""

    link = models.ForeignKey(ShortLink, on_delete=models.CASCADE, related_name="click_days")
    day = models.DateField()
    visitors = models.PositiveIntegerField(default=0)
    bots = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "day"], name="one_click_day_per_link")]

    def __str__(self):
        return f"{self.link} {self.day}: {self.visitors}"


class ClickVisitor(models.Model):
    """That a visitor (a daily-rotating hash, no address) clicked a link on a day; kept two days."""

    link = models.ForeignKey(ShortLink, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(db_index=True)
    visitor = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "day", "visitor"], name="one_click_per_visitor_day")]

    def __str__(self):
        return f"{self.link_id} {self.day}"


class PinnedLink(models.Model):
    """A link staff pin on the library's link-in-bio page."""

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="pinned_links")
    label = models.CharField(_("label"), max_length=100)
    url = models.URLField(_("address"), max_length=1000)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    short_link = models.ForeignKey(ShortLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.label


class Network(models.TextChoices):
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    X = "x", "X"
    TIKTOK = "tiktok", "TikTok"
    YOUTUBE = "youtube", "YouTube"
    TELEGRAM = "telegram", "Telegram"
    WHATSAPP = "whatsapp", "WhatsApp"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    WEBSITE = "website", _("Website")


class ProfileLink(models.Model):
    """One of the library's own accounts, listed on the link-in-bio page."""

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="profile_links")
    network = models.CharField(_("network"), max_length=20, choices=Network.choices)
    handle = models.CharField(_("name on the network"), max_length=100, blank=True,
                              help_text=_("E.g. @perpustakaan; shown on the page."))
    url = models.URLField(_("address"), max_length=1000)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    short_link = models.ForeignKey(ShortLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.get_network_display()} {self.handle}"
