"""Jobs: a harvest asked for from the sources page, and the nightly harvest of every source."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sapa.catalogue import services


@db_task()
def harvest_source_job(run_id: int):
    """Run one queued harvest (its ImportRun shows the result on the sources page)."""
    services.run_harvest(run_id)


@db_periodic_task(crontab(minute="15", hour="2"))
def harvest_nightly():
    """Every night: harvest what each OAI-PMH and SLiMS source added since the last time."""
    return services.harvest_nightly()
