from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sapa.core import workers
from sapa.mail import services


# Errors of the mail server are handled inside; what escapes is the database failing a
# moment (restarting, read-only): try again shortly rather than at the next sweep.
@db_task(retries=5, retry_delay=5)
def deliver_email(email_id: int):
    return services.deliver(email_id)


@db_periodic_task(crontab(minute="*"))
def sweep_outbox():
    return services.sweep()


@workers.recoverer
def resend_abandoned(gone):
    """At a worker's start and stop: emails a gone worker was sending, and (at start) due
    ones whose job the dead worker had taken off the queue."""
    resent = services.requeue_abandoned(gone)
    if gone is workers.dead:
        services.sweep(grace=timedelta(0))
    return resent
