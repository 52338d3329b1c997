from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sapa.mail import services


@db_task()
def deliver_email(email_id: int):
    return services.deliver(email_id)


@db_periodic_task(crontab(minute="*"))
def sweep_outbox():
    return services.sweep()
