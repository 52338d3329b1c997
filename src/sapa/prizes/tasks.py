from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sapa.prizes import services


@db_periodic_task(crontab(minute="*/15"))
def expire_unclaimed_prizes():
    """Prizes not claimed by their deadline become free for a new round."""
    return services.expire_unclaimed()
