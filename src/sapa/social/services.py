"""Channels, posts, variants, templates and time slots: the rules the screens call.

The workflow steps (review, approval, scheduling) are in sapa.social.workflow,
publishing in sapa.social.publishing, checks in sapa.social.validation.
Every change of a post goes through here and is kept as a PostRevision.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.social import workflow
from sapa.social.history import diff, record_change
from sapa.social.models import (
    Channel,
    ChannelStatus,
    MediaItem,
    Network,
    Post,
    PostTemplate,
    PostVariant,
    VariantMedia,
    VariantState,
)

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


def reconnect_channel(channel: Channel, *, by, credentials: dict) -> Channel:
    """New credentials for a channel (editor or admin): connected again, its held posts go out."""
    from sapa.social.publishing import queue_due_for_channel

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
    from sapa.social.connectors import ConnectorError, get_connector

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


# --- Templates and hashtags -------------------------------------------------------------------

def registration_link(event, channel: Channel | None = None) -> str:
    """The link that brings people to an event's registration from `channel`.

    The event's tracked short link for the channel's network (sapa.promotion's
    one helper, created on first use), so a click and the registration it brings
    count for that channel. Networks promotion has no channel of its own for
    (Mastodon, Bluesky) get an "other" link labelled with the network, so their
    clicks stay apart; no channel gives the general "other" link. The event's
    own address only when promotion is not installed.
    """
    from django.apps import apps
    from django.conf import settings
    from django.urls import reverse

    if apps.is_installed("sapa.promotion"):
        from sapa.promotion.links import event_link
        from sapa.promotion.models import Channel as PromotionChannel
        from sapa.promotion.services import promotion_channel

        target = promotion_channel(channel.network) if channel is not None else PromotionChannel.OTHER
        label = channel.network if channel is not None and target == PromotionChannel.OTHER else ""
        try:
            return event_link(event, target, label).url
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
    from sapa.core.timefmt import format_datetime

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
    from sapa.social.models import ManualTask

    return ManualTask.objects.filter(library=library, done_at__isnull=True).filter(
        assigned_to=user).select_related("variant", "variant__channel", "variant__post")


__all__ = [
    "create_channel", "reconnect_channel", "test_connection", "next_free_slot", "create_post", "update_post",
    "add_variant", "update_variant", "render_template", "post_from_template", "registration_link",
    "manual_tasks_for", "VariantState",
]
