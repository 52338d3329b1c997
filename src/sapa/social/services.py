"""Channels, posts, variants, templates and time slots: the rules the screens call.

The workflow steps (review, approval, scheduling) are in sapa.social.workflow,
publishing in sapa.social.publishing, checks in sapa.social.validation.
Every change of a post goes through here and is kept as a PostRevision.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sapa.core.timefmt import format_datetime
from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.promotion import links as promotion_links
from sapa.promotion.models import Channel as PromotionChannel
from sapa.social import crypto, workflow
from sapa.social.connectors import ConnectorError, get_connector
from sapa.social.history import diff, record_change
from sapa.social.media import fit_for_network
from sapa.social.models import (
    Channel,
    ChannelStatus,
    ManualTask,
    MediaItem,
    MediaKind,
    Network,
    Post,
    PostTemplate,
    PostVariant,
    VariantMedia,
    VariantState,
)
from sapa.social.tasks import queue_due_for_channel
from sapa.social.validation import check_image, limits_for

CONTENT_FIELDS = ("text", "link", "first_comment")


# --- Channels --------------------------------------------------------------------------------

def create_channel(library, *, network: str, name: str, by, credentials: dict | None = None,
                   **fields) -> Channel:
    """Add a channel (editor or admin). Credentials are stored encrypted; never logged or audited."""
    workflow.require_role(by, library, Role.EDITOR)
    channel = Channel(library=library, network=network, name=name, **fields)
    channel.credentials = credentials or {}
    channel.save()
    audit.record("social.channel_created", library=library, actor=by, obj=channel, network=network)
    return channel


def rotate_credentials() -> int:
    """Re-encrypt every channel's credentials with the first key (SAPA_ENCRYPTION_KEY); returns how many."""
    count = 0
    for channel in Channel.objects.exclude(credentials_encrypted=""):
        rotated = crypto.rotate(channel.credentials_encrypted)
        Channel.objects.filter(pk=channel.pk).update(credentials_encrypted=rotated)
        count += 1
    return count


def reconnect_channel(channel: Channel, *, by, credentials: dict) -> Channel:
    """New credentials for a channel (editor or admin): connected again, its held posts go out."""
    workflow.require_role(by, channel.library, Role.EDITOR)
    with transaction.atomic():
        channel.credentials = credentials
        channel.status = ChannelStatus.OK
        channel.status_message = ""
        channel.needs_reconnect_since = None
        channel.save(update_fields=["credentials_encrypted", "status", "status_message",
                                    "needs_reconnect_since", "updated_at"])
        audit.record("social.channel_reconnected", library=channel.library, actor=by, obj=channel)
        queue_due_for_channel(channel)
    return channel


def test_connection(channel: Channel, *, by=None) -> tuple[bool, str]:
    """Try the channel's credentials against the network: (ok, account name or the error).

    A success also stores what the network says about the account (id, handle).
    """
    if channel.network not in {Network.FACEBOOK_PAGE, Network.INSTAGRAM, Network.TELEGRAM,
                               Network.MASTODON, Network.BLUESKY, Network.X}:
        return True, _("Manual channel: nothing to test.")
    if not channel.credentials_encrypted:
        return False, _("No credentials are stored for this channel.")
    try:
        with get_connector(channel) as connector:
            label = connector.test_connection()
    except ConnectorError as exc:
        audit.record("social.channel_tested", library=channel.library, actor=by, obj=channel, ok=False,
                     error=exc.message[:300])
        return False, exc.message
    channel.last_tested_at = timezone.now()
    channel.save(update_fields=["account_id", "handle", "last_tested_at", "updated_at"])
    audit.record("social.channel_tested", library=channel.library, actor=by, obj=channel, ok=True)
    return True, label


def next_free_slot(channel: Channel, after: datetime | None = None, *, horizon_days: int = 60) -> datetime | None:
    """The channel's next posting time slot after `after` that no variant takes yet.

    Slots are `channel.time_slots` ([{"weekday": 0-6 (Monday 0), "times": ["09:00"]}]) in the
    library's time zone. None when the channel has no slots.
    """
    slots = {}
    for entry in channel.time_slots or []:
        try:
            weekday = int(entry["weekday"])
            times = sorted(time.fromisoformat(t) for t in entry.get("times", []))
        except (KeyError, TypeError, ValueError):
            continue
        slots.setdefault(weekday, []).extend(times)
    if not slots:
        return None
    tz = ZoneInfo(channel.library.time_zone)
    after = after or timezone.now()
    taken = set(PostVariant.objects.filter(
        channel=channel, scheduled_at__gte=after, scheduled_at__lte=after + timedelta(days=horizon_days + 1),
    ).exclude(state__in=[VariantState.FAILED]).values_list("scheduled_at", flat=True))
    taken = {t.replace(second=0, microsecond=0) for t in taken}
    start: date = after.astimezone(tz).date()
    for offset in range(horizon_days + 1):
        day = start + timedelta(days=offset)
        for slot in sorted(slots.get(day.weekday(), [])):
            moment = datetime.combine(day, slot, tzinfo=tz)
            if moment > after and moment.replace(second=0, microsecond=0) not in taken:
                return moment
    return None


# --- Posts and variants ------------------------------------------------------------------------

def create_post(library, *, by, title: str, note: str = "", campaign=None, event=None,
                request=None) -> Post:
    """Start a post (staff)."""
    workflow.require_role(by, library, Role.STAFF)
    with transaction.atomic():
        post = Post.objects.create(library=library, title=title, note=note, campaign=campaign, event=event,
                                   created_by=by)
        record_change(post, "created", actor=by, request=request)
    return post


def update_post(post: Post, *, by, request=None, **fields) -> Post:
    """Change a post's title, note, campaign or event; kept as a revision."""
    workflow.require_role(by, post.library, Role.STAFF)
    allowed = {k: v for k, v in fields.items() if k in ("title", "note", "campaign", "event")}
    changes = diff(post, allowed)
    if not changes:
        return post
    with transaction.atomic():
        for name, value in allowed.items():
            setattr(post, name, value)
        post.save()
        record_change(post, "edited", actor=by, changes=changes, request=request)
    return post


def _set_media(variant: PostVariant, media: list[MediaItem]) -> None:
    for item in media:
        if item.library_id != variant.post.library_id:
            raise ValueError("media from another library")
    VariantMedia.objects.filter(variant=variant).delete()
    VariantMedia.objects.bulk_create(
        [VariantMedia(variant=variant, media=item, position=n) for n, item in enumerate(media)])


def add_variant(post: Post, channel: Channel, *, by, text: str = "", link: str = "", first_comment: str = "",
                media: list[MediaItem] | None = None, scheduled_at=None, request=None) -> PostVariant:
    """Add the post's variant for one channel (of the same library)."""
    workflow.require_role(by, post.library, Role.STAFF)
    if channel.library_id != post.library_id:
        raise ValueError("channel from another library")
    with transaction.atomic():
        variant = PostVariant.objects.create(post=post, channel=channel, text=text, link=link,
                                             first_comment=first_comment, scheduled_at=scheduled_at)
        if media:
            _set_media(variant, media)
        workflow.sync_post_status(post)
        record_change(post, "variant_added", actor=by, variant=variant, request=request, channel=channel.pk)
    return variant


def update_variant(variant: PostVariant, *, by, media: list[MediaItem] | None = None, request=None,
                   **fields) -> PostVariant:
    """Edit a variant's text, link, first comment, media or time; every change kept.

    A change of content after review sends the variant back to draft (it must
    be approved again); a change of time on a scheduled variant reschedules it.
    Published variants and those being published cannot be edited.
    """
    workflow.require_role(by, variant.post.library, Role.STAFF)
    allowed = {k: v for k, v in fields.items() if k in (*CONTENT_FIELDS, "scheduled_at")}
    changes = diff(variant, allowed)
    old_media = [m.pk for m in variant.ordered_media()]
    if media is not None and [m.pk for m in media] != old_media:
        changes["media"] = [old_media, [m.pk for m in media]]
    if not changes:
        return variant
    if variant.state not in workflow.EDITABLE:
        raise workflow.InvalidTransition(f"a variant in {variant.state} cannot be edited")
    content_changed = any(k in changes for k in (*CONTENT_FIELDS, "media"))
    with transaction.atomic():
        PostVariant.objects.filter(pk=variant.pk).update(**allowed, updated_at=timezone.now())
        for name, value in allowed.items():
            setattr(variant, name, value)
        if media is not None and "media" in changes:
            _set_media(variant, media)
        if content_changed:
            workflow.content_edited(variant, by=by)
        workflow.sync_post_status(variant.post)
        record_change(variant.post, "variant_edited", actor=by, variant=variant, changes=changes,
                      request=request)
        if not content_changed and variant.state == VariantState.SCHEDULED and "scheduled_at" in changes:
            workflow.schedule(variant, by=by, request=request)
    return variant


# --- Variant steps of the staff pages -----------------------------------------------------------
# Each writes nothing when it refuses (an exception, or None / 0 where said).

def edit_variant(variant: PostVariant, *, by, text: str, link: str, first_comment: str = "",
                 media: list[MediaItem], at: datetime | None = None, request=None) -> PostVariant:
    """The variant form: content, media and time. No time takes a planned variant off its day,
    but not a scheduled one (taking that off the calendar is its own step, workflow.unschedule)."""
    fields = {"text": text, "link": link, "first_comment": first_comment}
    if at is not None:
        fields["scheduled_at"] = at
    elif variant.state != VariantState.SCHEDULED:
        fields["scheduled_at"] = None
    return update_variant(variant, by=by, media=media, request=request, **fields)


def move_variant(variant: PostVariant, *, by, at: datetime, request=None) -> PostVariant:
    """Move a variant in the calendar to `at`: a scheduled one is scheduled again (its checks run
    again), a planned one gets the new time.

    Raises workflow.MoveRefused saying why (the variant is reloaded as it is in the database).
    """
    if variant.state not in workflow.MOVABLE:
        raise workflow.MoveRefused(_("This post can no longer be moved: it is %(state)s.")
                                   % {"state": variant.get_state_display()})
    if at < timezone.now():
        raise workflow.MoveRefused(_("That time has passed. Choose a time in the future."))
    try:
        if variant.state == VariantState.SCHEDULED:
            workflow.schedule(variant, by=by, at=at, request=request)
        else:
            update_variant(variant, by=by, scheduled_at=at, request=request)
    except workflow.SchedulingRefused as exc:
        variant.refresh_from_db()
        raise workflow.MoveRefused(" ".join(p.message for p in exc.problems)) from exc
    except workflow.InvalidTransition as exc:
        variant.refresh_from_db()
        raise workflow.MoveRefused(_("Someone else changed this post meanwhile. Reload the page.")) from exc
    return variant


def plan_next_free_slot(variant: PostVariant, *, by, request=None) -> datetime | None:
    """Put a variant on its channel's next free time slot: an approved one is scheduled there
    (workflow.SchedulingRefused when its checks fail), a draft one planned there.

    None when the channel has no free slot in the next two months.
    """
    slot = next_free_slot(variant.channel)
    if slot is None:
        return None
    if variant.state == VariantState.APPROVED:
        workflow.schedule(variant, by=by, at=slot, request=request)
    elif variant.state == VariantState.DRAFT:
        update_variant(variant, by=by, scheduled_at=slot, request=request)
    else:
        raise workflow.InvalidTransition(variant.state)
    return slot


# Image problems that fit_for_network() repairs (crop, resize, convert, compress).
FIT_CODES = {"image_format", "image_too_large", "image_ratio", "image_width", "image_dimensions"}


def unfit_images(variant: PostVariant) -> list[MediaItem]:
    """The variant's images that fail its network's format, size or aspect-ratio checks."""
    network = variant.channel.network
    limits = limits_for(variant.channel, refresh=False)
    return [m for m in variant.ordered_media() if m.kind == MediaKind.IMAGE
            and any(p.is_error and p.code in FIT_CODES for p in check_image(m, network, limits))]


def fit_images(variant: PostVariant, *, by, request=None) -> int:
    """Replace the variant's unfit images by copies fitted to its network (kept in the media library).

    Returns how many were replaced (0: they already fit). MediaError or OSError when one cannot be fitted.
    """
    unfit = {m.pk for m in unfit_images(variant)}
    if not unfit:
        return 0
    if variant.state not in workflow.EDITABLE:
        raise workflow.InvalidTransition(variant.state)
    network = variant.channel.network
    with transaction.atomic():
        media = []
        for item in variant.ordered_media():
            if item.pk in unfit:
                new = fit_for_network(item, network, by=by)
                audit.record("social.media_fitted", library=variant.post.library, obj=new, request=request,
                             source=item.pk, network=network)
                item = new
            media.append(item)
        update_variant(variant, by=by, media=media, request=request)
    return len(unfit)


# --- Templates, hashtags and registration links ----------------------------------------------

def promotion_channel(network: str) -> str:
    """The promotion channel (for attribution) of a social network."""
    return {
        Network.FACEBOOK_PAGE: PromotionChannel.FACEBOOK, Network.INSTAGRAM: PromotionChannel.INSTAGRAM,
        Network.TELEGRAM: PromotionChannel.TELEGRAM, Network.X: PromotionChannel.X,
        Network.WHATSAPP: PromotionChannel.WHATSAPP,
    }.get(network, PromotionChannel.OTHER)


def registration_link(event, channel: Channel | None = None) -> str:
    """The link that brings people to an event's registration from `channel`.

    The event's tracked short link for the channel's network (sapa.promotion's
    one helper, created on first use), so a click and the registration it brings
    count for that channel. Networks promotion has no channel of its own for
    (Mastodon, Bluesky) get an "other" link labelled with the network, so their
    clicks stay apart; no channel gives the general "other" link. The event's
    own address only when promotion is not installed.
    """
    if apps.is_installed("sapa.promotion"):
        target = promotion_channel(channel.network) if channel is not None else PromotionChannel.OTHER
        label = channel.network if channel is not None and target == PromotionChannel.OTHER else ""
        try:
            return promotion_links.event_link(event, target, label).url
        except ValueError:
            pass
    return settings.BASE_URL + reverse("event-public", kwargs={"slug": event.slug})


def render_template(template: PostTemplate | str, *, event=None, channel: Channel | None = None,
                    extra: dict | None = None) -> str:
    """A template's text with {event_title}, {event_date} and {registration_link} filled in.

    {registration_link} is the event's short link for `channel` (see
    registration_link). Unknown placeholders and stray braces are left as they
    are (a post about "{fun}" should not crash); the template's hashtag set is appended.
    """
    text = template if isinstance(template, str) else template.text
    values = dict(extra or {})
    if event is not None:
        values.setdefault("event_title", event.title)
        values.setdefault("event_date", format_datetime(event.starts_at, event.time_zone))
        if "{registration_link}" in text and "registration_link" not in values:
            values["registration_link"] = registration_link(event, channel)
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    if not isinstance(template, str) and template.hashtag_set_id:
        tags = template.hashtag_set.as_text()
        if tags and tags not in text:
            text = f"{text.rstrip()}\n\n{tags}"
    return text


def post_from_template(library, template: PostTemplate, channels: list[Channel], *, by, title: str,
                       event=None, campaign=None, media: list[MediaItem] | None = None) -> Post:
    """A draft post with a variant per channel, its text from the template (new arrivals, events).

    Each channel's text carries that channel's registration short link.
    """
    with transaction.atomic():
        post = create_post(library, by=by, title=title, campaign=campaign, event=event)
        for channel in channels:
            text = render_template(template, event=event, channel=channel)
            link = registration_link(event, channel) if event is not None else ""
            add_variant(post, channel, by=by, text=text, media=media or [],
                        link=link if link and link not in text else "")
    return post


def manual_tasks_for(user, library):
    """The user's open manual-posting to-dos in a library (for the staff dashboard)."""
    return ManualTask.objects.filter(library=library, done_at__isnull=True).filter(
        assigned_to=user).select_related("variant", "variant__channel", "variant__post")


__all__ = [
    "create_channel", "reconnect_channel", "test_connection", "next_free_slot", "create_post", "update_post",
    "add_variant", "update_variant", "edit_variant", "move_variant", "plan_next_free_slot", "unfit_images",
    "fit_images", "promotion_channel", "render_template", "post_from_template", "registration_link",
    "manual_tasks_for", "VariantState",
]
