from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sapa.promotion import clicks


@db_periodic_task(crontab(minute="*"))
def flush_clicks():
    """Move click counts from Redis into the database (nothing to do without Redis)."""
    return clicks.flush()


@db_periodic_task(crontab(minute="17", hour="*"))
def purge_click_visitors():
    """Forget the visitor hashes of past days: only the daily counts stay."""
    return clicks.purge_visitors()
