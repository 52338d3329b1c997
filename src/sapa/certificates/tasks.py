from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sapa.certificates import services


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
