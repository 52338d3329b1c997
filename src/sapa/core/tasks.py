from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sapa.core import ratelimit


@db_periodic_task(crontab(minute="*/15"))
def purge_rate_limits():
    """Drop finished rate-limit windows, so the table does not grow with every failed login."""
    return ratelimit.purge_expired()
