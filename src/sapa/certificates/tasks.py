"""The certificate jobs: a bulk generation (number, render, email), one reissued certificate,
resuming a generation whose worker died, the retention catch-up.

Direction: services import tasks (to queue a job); tasks import issuing, parallel and models,
never services.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sapa.certificates import issuing, parallel
from sapa.certificates.models import Certificate, Generation, GenerationState
from sapa.core import workers

log = logging.getLogger(__name__)

PROGRESS_EVERY = 20
# A queued generation whose job has not started after this long lost it (the queue
# could not take it, or a worker took it and died): it is queued again.
LOST_QUEUED = timedelta(minutes=2)


@db_task()
def generate(generation_id: int):
    """A bulk generation (run_generation)."""
    return run_generation(generation_id)


@db_task()
def render_certificate(certificate_id: int):
    """One reissued certificate: render its PDF and email it."""
    return render_one(certificate_id)


@db_periodic_task(crontab(minute="47", hour="2"))
def forget_erased_emails():
    """Retention: drop the email copied onto certificates of erased registrations."""
    return issuing.forget_erased_emails()


@db_periodic_task(crontab(minute="*"))
def resume_generations():
    """Resume generations whose worker died (a heartbeat, sapa.core.workers)."""
    return resume_abandoned(workers.dead)


def run_generation(generation_id: int) -> str:
    """The job: number the recipients without a certificate, render every PDF of the design
    not rendered yet, queue the emails. Returns the generation's final state."""
    claimed = Generation.objects.filter(pk=generation_id, state=GenerationState.QUEUED).update(
        state=GenerationState.RUNNING, started_at=timezone.now(), worker=workers.NAME)
    if not claimed:
        return "skipped"
    generation = Generation.objects.select_related("design__event__library").get(pk=generation_id)
    design = generation.design
    try:
        issuing.issue(design, generation=generation)
        pending = list(Certificate.objects.filter(design=design, revoked_at__isnull=True, rendered_at__isnull=True)
                       .order_by("seq"))
        # Resumed after a worker died: what it rendered counts as done.
        done_before = Certificate.objects.filter(generation=generation, rendered_at__isnull=False).count()
        Generation.objects.filter(pk=generation.pk).update(total=done_before + len(pending), rendered=done_before)
        if len(pending) >= parallel.PARALLEL_MIN and parallel.processes() > 1:
            issuing.prepared_page(design)  # once, before the children read it
            parallel.render_in_processes(
                design, pending,
                lambda n: Generation.objects.filter(pk=generation.pk).update(rendered=n))
            pending = []
        lay = issuing.layout(design) if pending else None
        done = []
        for i, certificate in enumerate(pending, start=1):
            issuing.render_file(certificate, lay, save=False)
            done.append(certificate)
            if i % PROGRESS_EVERY == 0 or i == len(pending):
                # One short transaction per batch: the rows and the progress together.
                with transaction.atomic():
                    Certificate.objects.bulk_update(done, ["file", "rendered_at"])
                    Generation.objects.filter(pk=generation.pk).update(rendered=done_before + i)
                done = []
                if workers.stopping.is_set() and i < len(pending):
                    # The worker is asked to stop: hand the rest to the next worker.
                    _requeue(generation.pk, workers.NAME)
                    return GenerationState.QUEUED
        if generation.send_email:
            issuing.queue_emails(design)
    except Exception as exc:
        log.exception("certificate generation %s failed", generation_id)
        Generation.objects.filter(pk=generation.pk).update(
            state=GenerationState.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000])
        return GenerationState.FAILED
    Generation.objects.filter(pk=generation.pk).update(state=GenerationState.DONE, finished_at=timezone.now())
    return GenerationState.DONE



def _requeue(generation_id: int, worker: str) -> bool:
    """Queue again a generation that `worker` was running (it resumes where it stopped)."""
    moved = Generation.objects.filter(pk=generation_id, state=GenerationState.RUNNING, worker=worker).update(
        state=GenerationState.QUEUED, worker="")
    if moved:
        log.warning("certificate generation %s handed back by worker %s", generation_id, worker)
        transaction.on_commit(lambda: generate(generation_id))
    return bool(moved)



@workers.recoverer
def resume_abandoned(gone, *, design=None, now=None) -> int:
    """Resume the generations of workers that are gone (`gone(names)`, sapa.core.workers),
    and queue again those whose job was lost before it started. The numbers already given
    stay; the resumed job renders the PDFs still missing. Also run at a worker's start (a dead
    worker's generations) and stop (its own)."""
    now = now or timezone.now()
    running = Generation.objects.filter(state=GenerationState.RUNNING)
    queued = Generation.objects.filter(state=GenerationState.QUEUED, created_at__lt=now - LOST_QUEUED)
    if design is not None:
        running, queued = running.filter(design=design), queued.filter(design=design)
    holders = dict(running.values_list("pk", "worker"))
    gone_names = gone(set(holders.values()))
    # No name: claimed by a worker from before names were written, gone since the upgrade.
    resumed = sum(_requeue(pk, worker) for pk, worker in holders.items() if worker in gone_names or not worker)
    for pk in queued.values_list("pk", flat=True):
        transaction.on_commit(lambda pk=pk: generate(pk))
    return resumed



def render_one(certificate_id: int) -> None:
    """The job after a reissue: render the new certificate and email it."""
    certificate = Certificate.objects.select_related("design").get(pk=certificate_id)
    if certificate.rendered_at is None:
        issuing.render_file(certificate, issuing.layout(certificate.design))
    issuing.queue_email(certificate)
