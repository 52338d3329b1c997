"""Publishing at the scheduled minute, once, even when a worker dies mid-publish.

`publish(variant_id)` is the job (sapa.social.tasks.publish_variant):

1. claim the variant with a conditional UPDATE scheduled → publishing (only
   one worker wins), which also records the intent: attempt count, start time,
   a lease, and the variant's idempotency key (fixed when it was created);
2. the connector's `prepare()` data (Bluesky's record key) is saved;
3. the network is called outside any transaction;
4. the outcome is written: published; back to scheduled with a backoff (5xx,
   429 honouring Retry-After, timeouts); failed with the network's message
   (other 4xx); held for a reconnect (expired token: the channel is marked
   and its admins emailed once); deferred when the account's publishing quota
   is used up (Instagram: back to scheduled for when the 24-hour window frees,
   the attempt not counted, the reason shown to staff).

A variant that fails for good (refused, or "check by hand") is told by email
to the post's creator and the library's editors, once, each in their language
(`notify_failure`); the staff's to-do page lists it until someone acts.

A worker killed in step 3 leaves the variant in `publishing` with a lease.
The sweep (sapa.social.tasks.sweep: every minute, and once after a worker
starts) reconciles variants whose lease ran out (`abandoned()`, `reconcile()`):
a connector that is `idempotent` (Mastodon) publishes again with the same key;
otherwise `find_existing()` asks the network; a post found is recorded as
published; a post certainly missing (`missing_is_certain`: Bluesky's record
key, Instagram's container) is published; anything else ends in `needs_check`
for a person. Never a blind re-post.

Manual channels: at the time, a to-do (ManualTask) and an email to the post's
creator with the text to copy and the media links; staff then call
workflow.mark_published_manually with the post's URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sapa.core.timefmt import format_datetime
from sapa.libraries import audit
from sapa.libraries.models import Membership, Role
from sapa.mail.services import send_templated
from sapa.social.connectors import (
    AuthError,
    CannotTell,
    PublishResult,
    QuotaExhausted,
    RejectedError,
    RetryableError,
    get_connector,
)
from sapa.social.history import record_change
from sapa.social.models import Channel, ChannelStatus, ManualTask, PostVariant, VariantState
from sapa.social.status import sync_post_status

log = logging.getLogger("sapa.social")
S = VariantState

# How a job is queued again, `delay` seconds from now, for a variant sent back to scheduled (a retry,
# a quota that frees later). The job passes its own (sapa.social.tasks); without one, the sweep finds it.
Requeue = Callable[[int, int], object] | None

MAX_BACKOFF = timedelta(hours=1)
# A due variant whose job has not claimed it this long after its time: its job was lost.
SWEEP_GRACE = timedelta(seconds=60)


def _lease(now):
    return now + timedelta(seconds=settings.SAPA_SOCIAL_PUBLISH_LEASE)


def retry_delay(attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential backoff from SAPA_SOCIAL_RETRY_BASE, at least the network's Retry-After."""
    backoff = timedelta(seconds=settings.SAPA_SOCIAL_RETRY_BASE * 2 ** max(attempts - 1, 0))
    if retry_after is not None:
        backoff = max(backoff, timedelta(seconds=retry_after))
    return min(backoff, max(MAX_BACKOFF, timedelta(seconds=retry_after or 0)))


def _load(variant_id: int) -> PostVariant:
    return PostVariant.objects.select_related("channel", "post", "post__library", "post__created_by").get(
        pk=variant_id)


def claim(variant_id: int, now=None) -> bool:
    """scheduled → publishing for a due variant of a connected channel; True for the one winner."""
    now = now or timezone.now()
    return bool(
        PostVariant.objects.filter(
            pk=variant_id, state=S.SCHEDULED, scheduled_at__lte=now,
            channel__status=ChannelStatus.OK, channel__is_active=True,
        ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).update(
            state=S.PUBLISHING, attempts=F("attempts") + 1, attempt_started_at=now,
            lease_expires_at=_lease(now), updated_at=now,
        )
    )


def publish(variant_id: int, now=None, *, requeue: Requeue = None) -> str:
    """The publish job for one variant; returns its state afterwards ("skipped" when not claimed)."""
    now = now or timezone.now()
    try:
        variant = _load(variant_id)
    except PostVariant.DoesNotExist:
        return "skipped"
    if variant.state != S.SCHEDULED:
        return "skipped"
    if variant.channel.is_manual:
        return remind_manual(variant, now=now)
    if not claim(variant_id, now):
        return "skipped"
    variant = _load(variant_id)
    return _run(variant, now, requeue)


def _run(variant: PostVariant, now, requeue: Requeue) -> str:
    """Call the network for a claimed variant and record the outcome."""
    try:
        connector = get_connector(variant.channel)
    except Exception as exc:  # noqa: BLE001 - e.g. unreadable credentials
        return _fail(variant, str(exc))
    with connector:
        try:
            prepared = connector.prepare(variant)
            if prepared:
                connector.checkpoint(variant, **prepared)
            result = connector.publish(variant)
        except RetryableError as exc:
            if exc.ambiguous and not connector.idempotent:
                return _reconcile_with(connector, variant, now, reason=exc.message, requeue=requeue)
            return _retry_later(variant, exc, now, requeue)
        except AuthError as exc:
            return _hold_for_reconnect(variant, exc.message)
        except QuotaExhausted as exc:
            return _defer_for_quota(variant, exc, now, requeue)
        except RejectedError as exc:
            return _fail(variant, exc.message)
        except CannotTell as exc:
            return _needs_check(variant, exc.message)
        except Exception as exc:  # noqa: BLE001 - a bug: we cannot know whether it went out
            log.exception("publishing variant %s crashed", variant.pk)
            return _needs_check(variant, f"{type(exc).__name__}: {exc}")
    return _published(variant, result)


def _published(variant: PostVariant, result: PublishResult, note: str = "") -> str:
    now = timezone.now()
    message = "; ".join(result.warnings)
    with transaction.atomic():
        updated = PostVariant.objects.filter(pk=variant.pk, state=S.PUBLISHING).update(
            state=S.PUBLISHED, external_id=result.external_id[:300], external_url=result.url[:500],
            published_at=now, error_message=message, lease_expires_at=None, updated_at=now)
        if not updated:
            return PostVariant.objects.get(pk=variant.pk).state
        variant.state = S.PUBLISHED
        sync_post_status(variant.post)
        record_change(variant.post, "published", variant=variant, external_id=result.external_id,
                      url=result.url, **({"note": note} if note else {}))
    return S.PUBLISHED


def _update_from_publishing(variant: PostVariant, to: str, action: str, *, on_commit=None, **fields) -> str:
    """publishing → `to`, recorded; `on_commit` runs after the commit, only when this call moved it."""
    now = timezone.now()
    with transaction.atomic():
        updated = PostVariant.objects.filter(pk=variant.pk, state=S.PUBLISHING).update(
            state=to, updated_at=now, **fields)
        if not updated:
            return PostVariant.objects.get(pk=variant.pk).state
        variant.state = to
        sync_post_status(variant.post)
        record_change(variant.post, action, variant=variant,
                      **({"error": fields["error_message"]} if fields.get("error_message") else {}))
        if on_commit is not None:
            transaction.on_commit(on_commit)
    return to


def _fail(variant: PostVariant, message: str) -> str:
    log.info("variant %s refused by %s: %s", variant.pk, variant.channel.network, message)
    return _update_from_publishing(variant, S.FAILED, "failed", error_message=message[:2000],
                                   lease_expires_at=None,
                                   on_commit=lambda: notify_failure(variant.pk, reason=message))


def _needs_check(variant: PostVariant, message: str) -> str:
    text = _("Sapa could not tell whether this post went out (%(reason)s). Look at the channel: if the "
             "post is there, give its address; if not, publish it again.") % {"reason": message}
    return _update_from_publishing(variant, S.NEEDS_CHECK, "needs_check", error_message=text[:2000],
                                   lease_expires_at=None,
                                   on_commit=lambda: notify_failure(variant.pk, reason=message))


def notify_failure(variant_id: int, *, reason: str) -> int:
    """Email the post's creator and the library's editors that a variant did not go out; once each.

    For a variant that failed for good or ended in "check by hand": each person
    in their own language, with the network's reason and a link to the post.
    The dedupe key holds the variant's idempotency key, which changes on every
    new try, so a later failure is told again but the same one never twice.
    Returns the number of emails queued.
    """
    variant = PostVariant.objects.select_related("post__library", "post__created_by", "channel").get(
        pk=variant_id)
    if variant.state not in (S.FAILED, S.NEEDS_CHECK):
        return 0
    post, library = variant.post, variant.post.library
    people = {}
    creator = post.created_by
    if creator is not None and creator.is_active:
        people[creator.pk] = creator
    for membership in Membership.objects.filter(library=library).select_related("user"):
        if membership.has_role(Role.EDITOR) and membership.user.is_active:
            people.setdefault(membership.user_id, membership.user)
    url = settings.BASE_URL + reverse("social-post", kwargs={"slug": library.slug, "post_id": post.pk})
    sent = 0
    for user in people.values():
        if not user.email:
            continue
        queued = send_templated(
            to=user.email, template="social/email/variant_failed", library=library,
            language=user.language or None,
            context={"variant": variant, "post": post, "channel": variant.channel, "user": user,
                     "reason": reason, "needs_check": variant.state == S.NEEDS_CHECK, "post_url": url},
            dedupe_key=f"social-failed:{variant.pk}:{variant.idempotency_key}:{user.pk}",
        )
        sent += queued is not None
    return sent


# --- The publishing quota (Instagram) -----------------------------------------------------------

def quota_frees_at(channel: Channel, exc: QuotaExhausted, now) -> datetime:
    """When a post fits in the channel's rolling quota window again.

    The oldest post Sapa published in the window leaves it `duration` seconds
    after it went out; when Sapa published none of them (posts made elsewhere),
    it looks again in an hour.
    """
    window = timedelta(seconds=exc.duration)
    published = list(PostVariant.objects.filter(
        channel=channel, state=S.PUBLISHED, published_at__gt=now - window, published_at__lte=now,
    ).order_by("published_at").values_list("published_at", flat=True)[: max(exc.usage - exc.total + 1, 1)])
    if published:
        return max(published[-1] + window, now + timedelta(minutes=1))
    return now + timedelta(hours=1)


def _defer_for_quota(variant: PostVariant, exc: QuotaExhausted, now, requeue: Requeue) -> str:
    """The quota is used up: nothing was sent; back to scheduled for when the window frees.

    The attempt is not counted (it is not a failure), and the reason stays on
    the variant for the staff to see.
    """
    when = quota_frees_at(variant.channel, exc, now)
    text = _("%(network)s allows %(total)s posts in %(hours)s hours from this account and all are used: "
             "this post waits and goes out at %(when)s.") % {
        "network": variant.channel.get_network_display(), "total": exc.total,
        "hours": exc.duration // 3600, "when": format_datetime(when, variant.post.library.time_zone)}
    state = _update_from_publishing(variant, S.SCHEDULED, "deferred_quota", next_attempt_at=when,
                                    lease_expires_at=None, attempts=F("attempts") - 1,
                                    error_message=text[:2000])
    if state == S.SCHEDULED and requeue is not None:
        delay = max(int((when - now).total_seconds()), 1)
        transaction.on_commit(lambda: requeue(variant.pk, delay))
    return state


def _retry_later(variant: PostVariant, exc: RetryableError, now, requeue: Requeue) -> str:
    attempts = PostVariant.objects.filter(pk=variant.pk).values_list("attempts", flat=True).first() or 1
    if attempts >= settings.SAPA_SOCIAL_MAX_ATTEMPTS:
        return _fail(variant, _("Gave up after %(n)s attempts: %(error)s") % {"n": attempts, "error": exc.message})
    delay = retry_delay(attempts, exc.retry_after)
    when = now + delay
    state = _update_from_publishing(variant, S.SCHEDULED, "retry_scheduled", next_attempt_at=when,
                                    lease_expires_at=None, error_message=exc.message[:2000])
    if state == S.SCHEDULED and requeue is not None:
        requeue(variant.pk, max(int(delay.total_seconds()), 1))
    return state


def _hold_for_reconnect(variant: PostVariant, message: str) -> str:
    """The token was refused: mark the channel (emailing its admins once); the variant waits."""
    mark_needs_reconnect(variant.channel, message)
    return _update_from_publishing(
        variant, S.SCHEDULED, "waiting_for_reconnect", lease_expires_at=None,
        error_message=_("Waiting for the channel to be reconnected: %(error)s") % {"error": message})


def mark_needs_reconnect(channel: Channel, message: str) -> bool:
    """Mark a channel "needs reconnecting" and email the library's admins, once per outage.

    Returns True when this call changed the channel (and sent the emails).
    """
    now = timezone.now()
    changed = Channel.objects.filter(pk=channel.pk, status=ChannelStatus.OK).update(
        status=ChannelStatus.NEEDS_RECONNECT, status_message=message[:2000], needs_reconnect_since=now)
    if not changed:
        return False
    channel.status = ChannelStatus.NEEDS_RECONNECT
    channel.status_message = message
    channel.needs_reconnect_since = now
    audit.record("social.channel_needs_reconnect", library=channel.library, actor="Sapa", obj=channel,
                 error=message[:500])
    admins = Membership.objects.filter(library=channel.library, role=Role.ADMIN).select_related("user")
    for membership in admins:
        user = membership.user
        if not user.is_active:
            continue
        send_templated(
            to=user.email, template="social/email/channel_needs_reconnect", library=channel.library,
            language=user.language or None,
            context={"channel": channel, "error": message, "user": user},
            dedupe_key=f"social-reconnect:{channel.pk}:{int(now.timestamp())}:{user.pk}",
        )
    return True


# --- Manual channels -------------------------------------------------------------------------

def remind_manual(variant: PostVariant, now=None) -> str:
    """At a manual variant's time: a to-do and an email with the text and media links, once."""
    now = now or timezone.now()
    with transaction.atomic():
        moved = PostVariant.objects.filter(pk=variant.pk, state=S.SCHEDULED, scheduled_at__lte=now).update(
            state=S.AWAITING_MANUAL, updated_at=now)
        if not moved:
            return "skipped"
        variant.state = S.AWAITING_MANUAL
        creator = variant.post.created_by
        ManualTask.objects.get_or_create(variant=variant, defaults={
            "library": variant.post.library, "assigned_to": creator, "due_at": variant.scheduled_at or now})
        sync_post_status(variant.post)
        record_change(variant.post, "manual_reminder", variant=variant)
        media = [{"name": str(m), "url": _absolute(m.file.url), "alt_text": m.alt_text}
                 for m in variant.ordered_media()]
        recipients = [creator.email] if creator and creator.is_active else list(
            Membership.objects.filter(library=variant.post.library, role__in=[Role.ADMIN, Role.EDITOR])
            .values_list("user__email", flat=True))
        if recipients:
            send_templated(
                to=recipients, template="social/email/manual_reminder", library=variant.post.library,
                language=(creator.language if creator else None) or None,
                context={"variant": variant, "post": variant.post, "channel": variant.channel,
                         "text": variant.full_text(), "media": media},
                dedupe_key=f"social-manual:{variant.pk}:{variant.idempotency_key}",
            )
    return S.AWAITING_MANUAL


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.BASE_URL + url


# --- Reconciliation --------------------------------------------------------------------------

def _reconcile_with(connector, variant: PostVariant, now, reason: str = "", requeue: Requeue = None) -> str:
    """Find out what happened to a publish that may or may not have reached the network."""
    if connector.idempotent:
        return _publish_again(connector, variant, now, note="reconciled", requeue=requeue)
    try:
        found = connector.find_existing(variant)
    except CannotTell as exc:
        return _needs_check(variant, f"{reason}; {exc.message}" if reason else exc.message)
    except AuthError as exc:
        return _needs_check(variant, exc.message)
    except (RetryableError, RejectedError) as exc:
        return _needs_check(variant, exc.message)
    if found is not None:
        return _published(variant, found, note="found on the network after an interrupted publish")
    if connector.missing_is_certain:
        return _publish_again(connector, variant, now, ambiguous_is_unknown=True, requeue=requeue,
                              note="published after confirming it was missing")
    return _needs_check(variant, reason or _("the post was not found among the channel's recent posts"))


def _publish_again(connector, variant, now, *, note: str, ambiguous_is_unknown: bool = False,
                   requeue: Requeue = None):
    """Publish during reconciliation, when a second call is known to be safe.

    `ambiguous_is_unknown`: a timeout after the request left (the network may
    have it) ends in "check by hand" instead of another retry.
    """
    try:
        result = connector.publish(variant)
    except RetryableError as exc:
        if ambiguous_is_unknown and exc.ambiguous:
            return _needs_check(variant, exc.message)
        return _retry_later(variant, exc, now, requeue)
    except AuthError as exc:
        return _hold_for_reconnect(variant, exc.message)
    except QuotaExhausted as exc:
        return _defer_for_quota(variant, exc, now, requeue)
    except RejectedError as exc:
        return _fail(variant, exc.message)
    except CannotTell as exc:
        return _needs_check(variant, exc.message)
    return _published(variant, result, note=note)


def reconcile(variant_id: int, now=None, *, requeue: Requeue = None) -> str:
    """Reconcile one variant left in `publishing` by a worker that died (lease expired)."""
    now = now or timezone.now()
    # Take it over, so two sweeping workers never reconcile the same variant.
    taken = PostVariant.objects.filter(pk=variant_id, state=S.PUBLISHING, lease_expires_at__lt=now).update(
        lease_expires_at=_lease(now), updated_at=now)
    if not taken:
        return "skipped"
    variant = _load(variant_id)
    log.warning("variant %s was left publishing by a stopped worker; reconciling with %s",
                variant.pk, variant.channel.network)
    try:
        connector = get_connector(variant.channel)
    except Exception as exc:  # noqa: BLE001
        return _needs_check(variant, str(exc))
    with connector:
        return _reconcile_with(connector, variant, now, reason=_("the worker stopped while publishing"),
                               requeue=requeue)


def abandoned(now) -> list[int]:
    """Variants left publishing by a worker that died (their lease ran out), for the sweep to reconcile."""
    return list(PostVariant.objects.filter(state=S.PUBLISHING, lease_expires_at__lt=now)
                .values_list("pk", flat=True)[:200])


def due_without_job(now) -> list[int]:
    """Scheduled variants due (a grace ago) whose job has not claimed them: their job was lost."""
    return list(
        PostVariant.objects.filter(state=S.SCHEDULED, scheduled_at__lte=now - SWEEP_GRACE,
                                   channel__status=ChannelStatus.OK, channel__is_active=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now - SWEEP_GRACE))
        .order_by("scheduled_at").values_list("pk", flat=True)[:1000]
    )


def held_for_channel(channel: Channel) -> list[int]:
    """After a reconnect: the channel's variants that were held (due now or earlier), made due at once."""
    due = list(PostVariant.objects.filter(channel=channel, state=S.SCHEDULED,
                                          scheduled_at__lte=timezone.now()).values_list("pk", flat=True))
    for pk in due:
        PostVariant.objects.filter(pk=pk).update(next_attempt_at=None)
    return due
