"""Jobs: publish a variant at its minute, sweep every minute, fetch metrics daily."""

import threading

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from sapa.social import metrics, publishing


@db_task()
def publish_variant(variant_id: int):
    """Publish one variant (queued for its scheduled minute; a no-op unless it is due)."""
    return publishing.publish(variant_id)


@db_periodic_task(crontab(minute="*"))
def sweep_social():
    """Reconcile publishes abandoned by a dead worker; queue due variants whose job was lost."""
    return publishing.sweep()


@db_task()
def sweep_social_once():
    return publishing.sweep()


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
