"""Jobs: publish a variant at its minute, sweep every minute, fetch metrics daily.

The one module that queues social jobs: the workflow (scheduling) and the reconnect
call the queueing functions here; publishing and metrics never import this module
(a retry is queued through the `requeue` the publish job passes).
"""

import threading

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from sapa.social import metrics, publishing
from sapa.social.models import Channel, PostVariant


def _requeue(variant_id: int, delay: int) -> None:
    publish_variant.schedule((variant_id,), delay=delay)


@db_task()
def publish_variant(variant_id: int):
    """Publish one variant (queued for its scheduled minute; a no-op unless it is due)."""
    return publishing.publish(variant_id, requeue=_requeue)


def queue_publish(variant: PostVariant) -> None:
    """Once the transaction commits, queue the variant's publish for its minute (now when it is due)."""
    when = variant.scheduled_at
    pk = variant.pk

    def enqueue():
        if when and when > timezone.now():
            publish_variant.schedule((pk,), eta=when)
        else:
            publish_variant(pk)

    transaction.on_commit(enqueue)


def queue_due_for_channel(channel: Channel) -> int:
    """After a reconnect: queue the channel's variants that were held (due now or earlier)."""
    due = publishing.held_for_channel(channel)
    for pk in due:
        transaction.on_commit(lambda pk=pk: publish_variant(pk))
    return len(due)


def sweep(now=None) -> dict:
    """Every minute: reconcile abandoned publishes, and queue due variants whose job was lost."""
    now = now or timezone.now()
    abandoned = publishing.abandoned(now)
    states = [publishing.reconcile(pk, now, requeue=_requeue) for pk in abandoned]
    due = publishing.due_without_job(now)
    for pk in due:
        publish_variant(pk)
    return {"reconciled": len(abandoned), "reconciled_states": states, "queued": len(due)}


@db_periodic_task(crontab(minute="*"))
def sweep_social():
    """Reconcile publishes abandoned by a dead worker; queue due variants whose job was lost."""
    return sweep()


@db_task()
def sweep_social_once():
    return sweep()


@db_periodic_task(crontab(minute="40", hour="3"))
def fetch_social_metrics():
    """Likes, comments, shares and reach of the last 30 days' published variants."""
    return metrics.fetch_recent()


_started = threading.Lock()
_startup_done = False


@HUEY.on_startup("sapa.social.reconcile_after_start")
def _reconcile_after_start():
    """A worker that starts may be replacing one that died mid-publish: once its lease has
    run out, reconcile (instead of waiting for the next minute's sweep)."""
    global _startup_done
    with _started:
        if _startup_done:
            return
        _startup_done = True
    sweep_social_once.schedule(delay=settings.SAPA_SOCIAL_PUBLISH_LEASE + 1)
