"""Jobs: a harvest asked for from the sources page, and the nightly harvest of every source.

Direction: tasks import services, never back (a harvest is queued here, by start_harvest).
"""

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sapa.catalogue import services
from sapa.catalogue.models import CatalogueSource, ImportRun


@db_task()
def harvest_source_job(run_id: int):
    """Run one queued harvest (its ImportRun shows the result on the sources page)."""
    services.run_harvest(run_id)


def start_harvest(source: CatalogueSource, *, by=None, request=None) -> ImportRun:
    """Record a harvest to run and queue its job (after the commit). The run shows its result."""
    run = services.new_harvest_run(source, by=by, request=request)
    transaction.on_commit(lambda: harvest_source_job(run.pk))
    return run


def queue_nightly_harvests() -> int:
    """Queue a harvest of every OAI-PMH and SLiMS source that asks for it. Returns how many."""
    count = 0
    for source in services.nightly_sources():
        with transaction.atomic():
            start_harvest(source)
        count += 1
    return count


@db_periodic_task(crontab(minute="15", hour="2"))
def harvest_nightly():
    """Every night: harvest what each OAI-PMH and SLiMS source added since the last time."""
    return queue_nightly_harvests()
