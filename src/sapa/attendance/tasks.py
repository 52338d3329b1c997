from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sapa.attendance import services


@db_periodic_task(crontab(minute="41", hour="3"))
def discard_stale_imports():
    """Pending report imports nobody finished hold names and emails: discard them after two days."""
    return services.purge_pending_imports()
