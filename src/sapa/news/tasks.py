from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sapa.news import workflow


@db_periodic_task(crontab())
def publish_due_articles():
    """Every minute: publish the scheduled articles whose time has come."""
    return workflow.publish_due()
