from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sapa.certificates import services
from sapa.core import workers


@db_task()
def generate(generation_id: int):
    """A bulk generation (services.run_generation)."""
    return services.run_generation(generation_id)


@db_task()
def render_certificate(certificate_id: int):
    """One reissued certificate: render its PDF and email it."""
    return services.render_one(certificate_id)


@db_periodic_task(crontab(minute="47", hour="2"))
def forget_erased_emails():
    """Retention: drop the email copied onto certificates of erased registrations."""
    return services.forget_erased_emails()


@db_periodic_task(crontab(minute="*"))
def resume_generations():
    """Resume generations whose worker died (a heartbeat, sapa.core.workers)."""
    return services.resume_abandoned(workers.dead)


@workers.recoverer
def resume_abandoned(gone):
    """At a worker's start (a dead worker's generations) and stop (its own)."""
    return services.resume_abandoned(gone)
