from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sapa.whatsapp import services


@db_task()
def deliver_message(message_id: int):
    return services.deliver(message_id)


@db_periodic_task(crontab(minute="*"))
def sweep_whatsapp():
    return services.sweep()
