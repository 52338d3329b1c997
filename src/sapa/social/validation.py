"""Checks of a post variant against its network's limits, before it may be scheduled.

Each failure is a `Problem`: a stable `code` (for code and tests), the `field`
it is about (text, media, first_comment, scheduled_at, channel), a message in
the active language that says what to change, and the numbers in `params`.
Errors block scheduling; warnings are shown but do not.

The limits are in `LIMITS` (from docs/networks.md: gathered from each network's
documentation); a Mastodon server's own limits replace the defaults when the
channel has read them from GET /api/v2/instance (see `limits_for`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sapa.social import text as textcount
from sapa.social.models import (
    Channel,
    ChannelStatus,
    MediaItem,
    MediaKind,
    Network,
    PostVariant,
    VariantState,
)

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing to change before a variant can go out."""

    code: str
    field: str
    message: str
    severity: str = ERROR
    params: dict = dataclasses.field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message,
                "severity": self.severity, "params": self.params}


@dataclass(frozen=True)
class Limits:
    """What one network accepts. None: no limit that we know of."""

    text_max: int | None = None
    # How text is counted: "chars", "graphemes", "x" (weighted) or "mastodon".
    counter: str = "chars"
    # Telegram: a caption under media is shorter than a message.
    caption_max: int | None = None
    bytes_max: int | None = None
    url_length: int = 23
    text_required: bool = False
    hashtags_max: int | None = None
    mentions_max: int | None = None
    images_min: int = 0
    images_max: int | None = None
    image_formats: frozenset | None = None
    image_max_bytes: int | None = None
    # Width / height.
    ratio_min: float | None = None
    ratio_max: float | None = None
    width_min: int | None = None
    width_max: int | None = None
    # Telegram: width + height, and the longer side over the shorter one.
    sides_sum_max: int | None = None
    extreme_ratio_max: float | None = None
    alt_text_required: bool = False
    first_comment: bool = True
    links_clickable: bool = True
    # "no": only images; "allowed"; "required".
    video: str = "no"
    # Facebook's recommendations (warnings, not errors).
    recommended_max_bytes: int | None = None
    recommended_png_max_bytes: int | None = None
    # Facts the connector needs; not checks.
    extra: dict = field(default_factory=dict)


MB = 1024 * 1024

LIMITS: dict[str, Limits] = {
    Network.FACEBOOK_PAGE: Limits(
        text_max=63206, images_max=10,
        image_formats=frozenset({"JPEG", "PNG", "GIF", "BMP", "TIFF"}),
        recommended_max_bytes=4 * MB, recommended_png_max_bytes=1 * MB,
    ),
    Network.INSTAGRAM: Limits(
        text_max=2200, hashtags_max=30, mentions_max=20, images_min=1, images_max=10,
        image_formats=frozenset({"JPEG"}), image_max_bytes=8 * MB,
        ratio_min=4 / 5, ratio_max=1.91, width_min=320, width_max=1440,
        alt_text_required=True, links_clickable=False,
    ),
    Network.TELEGRAM: Limits(
        text_max=4096, caption_max=1024, images_max=10,
        image_formats=frozenset({"JPEG", "PNG", "WEBP"}), image_max_bytes=10 * MB,
        sides_sum_max=10000, extreme_ratio_max=20, first_comment=False,
    ),
    Network.MASTODON: Limits(
        text_max=500, counter="mastodon", images_max=4,
        image_formats=frozenset({"JPEG", "PNG", "GIF", "WEBP"}), image_max_bytes=16 * MB,
        alt_text_required=True,
    ),
    Network.BLUESKY: Limits(
        text_max=300, counter="graphemes", bytes_max=3000, images_max=4,
        image_formats=frozenset({"JPEG", "PNG", "WEBP", "GIF"}), image_max_bytes=1_000_000,
        alt_text_required=True,
    ),
    Network.X: Limits(
        text_max=280, counter="x", images_max=4,
        image_formats=frozenset({"JPEG", "PNG", "GIF", "WEBP"}), image_max_bytes=5 * MB,
        alt_text_required=True,
    ),
    Network.YOUTUBE: Limits(text_max=5000, video="required", images_max=0, first_comment=False),
    Network.TIKTOK: Limits(text_max=2200, video="allowed", images_max=35, first_comment=False),
    Network.WHATSAPP: Limits(text_max=4096, caption_max=1024, video="allowed", images_max=10,
                             first_comment=False),
}

# Mastodon instance keys (GET /api/v2/instance, normalized by the connector) → Limits fields.
_SERVER_KEYS = {
    "max_characters": "text_max",
    "max_media_attachments": "images_max",
    "characters_reserved_per_url": "url_length",
    "image_size_limit": "image_max_bytes",
}

# Pillow format names by MIME type (Mastodon lists MIME types).
_MIME_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP",
                 "image/heic": "HEIC", "image/heif": "HEIF", "image/avif": "AVIF", "image/bmp": "BMP",
                 "image/tiff": "TIFF"}

SERVER_LIMITS_MAX_AGE = timedelta(days=1)


def limits_for(channel: Channel, refresh: bool = True) -> Limits:
    """The limits that apply to this channel: the network's, or the server's own.

    For Mastodon the server's limits are read through the connector when the
    cached ones are older than a day (a failure keeps the cache or the
    defaults: the check must not depend on the network being up).
    """
    limits = LIMITS[channel.network]
    if channel.network != Network.MASTODON:
        return limits
    stale = (channel.server_limits_fetched_at is None
             or timezone.now() - channel.server_limits_fetched_at > SERVER_LIMITS_MAX_AGE)
    if refresh and stale and not channel.is_manual:
        # inside: sapa.social.connectors (base) imports validation
        from sapa.social.connectors import get_connector

        try:
            get_connector(channel).refresh_limits()
        except Exception:  # noqa: BLE001 - unreachable server: use what we have
            pass
    changes = {}
    for key, attr in _SERVER_KEYS.items():
        value = channel.server_limits.get(key)
        if isinstance(value, int) and value > 0:
            changes[attr] = value
    mimes = channel.server_limits.get("supported_mime_types")
    if isinstance(mimes, list) and mimes:
        formats = {_MIME_FORMATS[m] for m in mimes if m in _MIME_FORMATS}
        if formats:
            changes["image_formats"] = frozenset(formats)
    return dataclasses.replace(limits, **changes) if changes else limits


def _n(value) -> str:
    return number_format(value, force_grouping=True)


def ratio_label(width: int, height: int) -> str:
    """"4:5", "1:3", or "2.35:1" when the reduced fraction is not a short one."""
    g = math.gcd(width, height) or 1
    w, h = width // g, height // g
    if w <= 32 and h <= 32:
        return f"{w}:{h}"
    return f"{number_format(width / height, 2)}:1"


def count_text(text: str, limits: Limits) -> int:
    """The length of `text` as the network counts it."""
    if limits.counter == "graphemes":
        return textcount.graphemes(text)
    if limits.counter == "x":
        return textcount.x_length(text, limits.url_length)
    if limits.counter == "mastodon":
        return textcount.mastodon_length(text, limits.url_length)
    return len(text)


def check_text(text: str, network: str, limits: Limits, *, has_media: bool) -> list[Problem]:
    """Length, bytes, hashtags and mentions of a text for one network."""
    problems = []
    name = Network(network).label
    maximum = limits.caption_max if has_media and limits.caption_max else limits.text_max
    if not text.strip() and not has_media:
        problems.append(Problem("text_empty", "text", _("Write a text or add an image.")))
    if maximum is not None:
        count = count_text(text, limits)
        if count > maximum:
            over = count - maximum
            params = {"network": str(name), "limit": maximum, "count": count, "over": over,
                      "url_length": limits.url_length}
            if limits.caption_max and has_media:
                message = _("%(network)s allows %(limit)s characters under a photo; this text has "
                            "%(count)s.") % {**params, "limit": _n(maximum), "count": _n(count)}
            else:
                message = _("%(network)s allows %(limit)s characters; this text has %(count)s.") % {
                    **params, "limit": _n(maximum), "count": _n(count)}
            message += " " + ngettext("Shorten it by %(over)s.", "Shorten it by %(over)s.", over) % {
                "over": _n(over)}
            if limits.counter in ("x", "mastodon") and textcount.find_urls(text):
                message += " " + _("Each link counts as %(url_length)s characters.") % params
            problems.append(Problem("text_too_long", "text", message, params=params))
    if limits.bytes_max is not None:
        size = textcount.utf8_length(text)
        if size > limits.bytes_max:
            params = {"network": str(name), "limit": limits.bytes_max, "count": size}
            problems.append(Problem("text_too_many_bytes", "text", _(
                "%(network)s allows %(limit)s bytes of text; this text takes %(count)s (emoji and "
                "accented letters take several). Shorten it.") % {
                    **params, "limit": _n(limits.bytes_max), "count": _n(size)}, params=params))
    if limits.hashtags_max is not None:
        count = len(textcount.hashtags(text))
        if count > limits.hashtags_max:
            over = count - limits.hashtags_max
            params = {"network": str(name), "limit": limits.hashtags_max, "count": count, "over": over}
            problems.append(Problem("too_many_hashtags", "text", ngettext(
                "%(network)s allows %(limit)s hashtags; this text has %(count)s. Remove %(over)s.",
                "%(network)s allows %(limit)s hashtags; this text has %(count)s. Remove %(over)s.",
                over) % params, params=params))
    if limits.mentions_max is not None:
        count = len(textcount.mentions(text))
        if count > limits.mentions_max:
            over = count - limits.mentions_max
            params = {"network": str(name), "limit": limits.mentions_max, "count": count, "over": over}
            problems.append(Problem("too_many_mentions", "text", _(
                "%(network)s allows %(limit)s @-mentions; this text has %(count)s. Remove %(over)s.")
                % params, params=params))
    if not limits.links_clickable and textcount.find_urls(text):
        problems.append(Problem("link_not_clickable", "text", _(
            "Links in %(network)s captions cannot be clicked. Point readers to the link in your "
            "bio instead.") % {"network": name}, severity=WARNING))
    return problems


def check_image(item: MediaItem, network: str, limits: Limits) -> list[Problem]:
    """Format, size, aspect ratio, width and alt text of one image for one network."""
    problems = []
    name = str(Network(network).label)
    label = str(item)
    base = {"network": name, "name": label}
    fmt = (item.format or "").upper()
    if limits.image_formats is not None and fmt and fmt not in limits.image_formats:
        allowed = ", ".join(sorted(limits.image_formats))
        params = {**base, "format": fmt, "allowed": allowed}
        problems.append(Problem("image_format", "media", _(
            "%(network)s accepts %(allowed)s images; %(name)s is %(format)s. Convert it (the "
            "\"fit for %(network)s\" action does).") % params, params=params))
    if limits.image_max_bytes is not None and item.size_bytes > limits.image_max_bytes:
        params = {**base, "limit": limits.image_max_bytes, "size": item.size_bytes}
        problems.append(Problem("image_too_large", "media", _(
            "%(network)s accepts images up to %(limit)s; %(name)s is %(size)s. Make it smaller (the "
            "\"fit for %(network)s\" action does).") % {
                **params, "limit": filesizeformat(limits.image_max_bytes),
                "size": filesizeformat(item.size_bytes)}, params=params))
    if item.width and item.height:
        ratio = item.width / item.height
        shown = ratio_label(item.width, item.height)
        if limits.ratio_min is not None and limits.ratio_max is not None and not (
            limits.ratio_min - 0.005 <= ratio <= limits.ratio_max + 0.005
        ):
            params = {**base, "ratio": shown, "width": item.width, "height": item.height}
            problems.append(Problem("image_ratio", "media", _(
                "%(network)s accepts images from 4:5 (portrait) to 1.91:1 (landscape); %(name)s is "
                "%(ratio)s. Crop it (the \"fit for %(network)s\" action crops the centre).") % params,
                params=params))
        if limits.width_min is not None and item.width < limits.width_min or (
            limits.width_max is not None and item.width > limits.width_max
        ):
            params = {**base, "width": item.width, "min": limits.width_min, "max": limits.width_max}
            problems.append(Problem("image_width", "media", _(
                "%(network)s accepts images %(min)s to %(max)s pixels wide; %(name)s is %(width)s "
                "pixels wide. Resize it.") % {**params, "width": _n(item.width), "min": _n(limits.width_min),
                                              "max": _n(limits.width_max)}, params=params))
        if limits.sides_sum_max is not None and item.width + item.height > limits.sides_sum_max:
            params = {**base, "sum": item.width + item.height, "limit": limits.sides_sum_max}
            problems.append(Problem("image_dimensions", "media", _(
                "%(network)s accepts photos whose width and height add up to %(limit)s pixels at "
                "most; %(name)s adds up to %(sum)s. Make it smaller.") % {
                    **params, "limit": _n(limits.sides_sum_max), "sum": _n(item.width + item.height)},
                params=params))
        if limits.extreme_ratio_max is not None:
            stretch = max(ratio, 1 / ratio)
            if stretch > limits.extreme_ratio_max:
                params = {**base, "ratio": shown, "limit": limits.extreme_ratio_max}
                problems.append(Problem("image_ratio", "media", _(
                    "%(network)s accepts photos at most %(limit)s times longer than wide; %(name)s is "
                    "%(ratio)s. Crop it.") % params, params=params))
    if limits.alt_text_required and not item.alt_text.strip():
        problems.append(Problem("alt_text_missing", "media", _(
            "Add alt text to %(name)s: say what it shows, for people who cannot see it.") % base,
            params=base))
    if limits.recommended_max_bytes is not None:
        recommended = (limits.recommended_png_max_bytes if fmt == "PNG" and limits.recommended_png_max_bytes
                       else limits.recommended_max_bytes)
        if item.size_bytes > recommended:
            params = {**base, "limit": recommended, "size": item.size_bytes}
            problems.append(Problem("image_large_recommended", "media", _(
                "%(network)s recommends images under %(limit)s; %(name)s is %(size)s and may lose "
                "quality. Consider making it smaller.") % {
                    **params, "limit": filesizeformat(recommended), "size": filesizeformat(item.size_bytes)},
                severity=WARNING, params=params))
    return problems


def check_media(items: list[MediaItem], network: str, limits: Limits) -> list[Problem]:
    """Number and kinds of media, then each image."""
    problems = []
    name = str(Network(network).label)
    images = [m for m in items if m.kind == MediaKind.IMAGE]
    videos = [m for m in items if m.kind == MediaKind.VIDEO]
    if videos and limits.video == "no":
        params = {"network": name, "name": str(videos[0])}
        problems.append(Problem("video_not_supported", "media", _(
            "Sapa publishes images only to %(network)s; remove the video %(name)s, or post it by hand "
            "(make the channel manual).") % params, params=params))
    if limits.video == "required" and not videos:
        problems.append(Problem("video_required", "media", _(
            "%(network)s needs a video. Add one from the media library.") % {"network": name}))
    if limits.images_min and len(images) < limits.images_min and not videos:
        problems.append(Problem("image_required", "media", _(
            "%(network)s posts need at least one image. Add one from the media library.") % {
                "network": name}))
    if limits.images_max is not None and len(images) > limits.images_max:
        over = len(images) - limits.images_max
        params = {"network": name, "limit": limits.images_max, "count": len(images), "over": over}
        if limits.images_max == 0:
            message = _("%(network)s takes no images here; remove them.") % params
        else:
            message = ngettext(
                "%(network)s allows %(limit)s images per post; this post has %(count)s. Remove "
                "%(over)s or split it into two posts.",
                "%(network)s allows %(limit)s images per post; this post has %(count)s. Remove "
                "%(over)s or split it into two posts.", over) % params
        problems.append(Problem("too_many_images", "media", message, params=params))
    for item in images:
        problems.extend(check_image(item, network, limits))
    return problems


def validate_variant(variant: PostVariant, *, for_schedule: bool = True,
                     limits: Limits | None = None) -> list[Problem]:
    """Every problem of a variant on its channel, errors first.

    With `for_schedule`, also the time and the channel's state.
    """
    channel = variant.channel
    network = channel.network
    limits = limits or limits_for(channel)
    media = variant.ordered_media() if variant.pk else []
    problems = check_text(variant.full_text(), network, limits, has_media=bool(media))
    problems += check_media(media, network, limits)
    if variant.first_comment.strip():
        if not limits.first_comment:
            problems.append(Problem("first_comment_unsupported", "first_comment", _(
                "%(network)s has no comments under posts here; move the first comment into the text or "
                "remove it.") % {"network": Network(network).label}, severity=WARNING))
        else:
            problems += [dataclasses.replace(p, field="first_comment", code="first_comment_" + p.code)
                         for p in check_text(variant.first_comment, network, limits, has_media=False)
                         if p.code in ("text_too_long", "text_too_many_bytes")]
    if for_schedule:
        if variant.scheduled_at is None:
            problems.append(Problem("time_missing", "scheduled_at", _("Choose the date and time to publish.")))
        elif variant.scheduled_at < timezone.now() - timedelta(minutes=5):
            problems.append(Problem("time_past", "scheduled_at", _(
                "That time has passed. Choose a time in the future.")))
        if not channel.is_active:
            problems.append(Problem("channel_inactive", "channel", _(
                "The channel %(channel)s is switched off. Switch it on or remove this variant.") % {
                    "channel": channel.name}))
        elif channel.status == ChannelStatus.NEEDS_RECONNECT and not channel.is_manual:
            problems.append(Problem("channel_needs_reconnect", "channel", _(
                "Reconnect the channel %(channel)s first: %(network)s refused its access.") % {
                    "channel": channel.name, "network": Network(network).label}))
        problems += check_publishing_quota(variant)
    problems.sort(key=lambda p: 0 if p.is_error else 1)
    return problems


# Instagram's publishing quota when the account's own was never read (current docs: 50 in 24 hours;
# older docs said 25). The connector reads the real one before each publish and keeps it on the channel.
DEFAULT_INSTAGRAM_QUOTA = 50
_QUOTA_STATES = (VariantState.SCHEDULED, VariantState.PUBLISHING, VariantState.PUBLISHED)


def check_publishing_quota(variant: PostVariant) -> list[Problem]:
    """A warning when the account would go over its publishing quota around the variant's time.

    Counts the channel's other variants scheduled, publishing or published in
    every rolling window (Instagram: 24 hours) that holds this one; over the
    quota, the last ones wait until the window frees (they are not refused).
    """
    channel = variant.channel
    if channel.network != Network.INSTAGRAM or variant.scheduled_at is None or channel.is_manual:
        return []
    limits = channel.server_limits or {}
    total = limits.get("quota_total") if isinstance(limits.get("quota_total"), int) else DEFAULT_INSTAGRAM_QUOTA
    duration = timedelta(seconds=limits.get("quota_duration") or 86400)
    at = variant.scheduled_at
    others = sorted(
        PostVariant.objects.filter(channel=channel, state__in=_QUOTA_STATES)
        .exclude(pk=variant.pk)
        .annotate(moment=Coalesce("published_at", "scheduled_at"))
        .filter(Q(moment__gt=at - duration) & Q(moment__lt=at + duration))
        .values_list("moment", flat=True))
    times = sorted([*others, at])
    busiest = 0
    for start in (t for t in times if at - duration < t <= at):
        busiest = max(busiest, sum(1 for t in times if start <= t < start + duration))
    if busiest <= total:
        return []
    params = {"network": str(Network(channel.network).label), "limit": total, "count": busiest,
              "hours": int(duration.total_seconds() // 3600)}
    return [Problem("publishing_quota", "scheduled_at", _(
        "%(network)s publishes at most %(limit)s posts in %(hours)s hours from one account; %(count)s are "
        "planned in the same %(hours)s hours as this one. Those over the limit wait until the window "
        "frees: spread them over more days.") % params, severity=WARNING, params=params)]


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]
