"""sapa.core.workers: the periodic jobs' lock, dead workers, /healthz/worker."""

from datetime import timedelta

from django.utils import timezone

from sapa.core import workers
from sapa.core.models import PeriodicRun, WorkerBeat


def test_one_worker_runs_each_minutes_turn(db):
    now = timezone.now().replace(second=5)
    assert workers.acquire_periodic("sapa.mail.tasks.sweep_outbox", now) is True
    workers.release_periodic("sapa.mail.tasks.sweep_outbox")
    # Another worker's scheduler queued the same minute's run: it is skipped.
    assert (
        workers.acquire_periodic("sapa.mail.tasks.sweep_outbox", now + timedelta(seconds=20))
        is False
    )
    assert (
        workers.acquire_periodic("sapa.mail.tasks.sweep_outbox", now + timedelta(minutes=1)) is True
    )


def test_a_running_periodic_job_is_not_started_twice_but_its_dead_holders_turn_is_taken(db):
    now = timezone.now().replace(second=5)
    assert workers.acquire_periodic("sapa.events.tasks.send_reminders", now)
    # Still running a minute later (not released): the next minute waits.
    assert not workers.acquire_periodic(
        "sapa.events.tasks.send_reminders", now + timedelta(minutes=1)
    )
    # Its worker died (another host, no beat for long): the turn is taken.
    PeriodicRun.objects.filter(name="sapa.events.tasks.send_reminders").update(
        holder="elsewhere:1:abc"
    )
    assert workers.acquire_periodic("sapa.events.tasks.send_reminders", now + timedelta(minutes=2))


def test_dead_workers(db):
    now = timezone.now()
    WorkerBeat.objects.create(name="elsewhere:10:aaa", started_at=now, seen_at=now)
    WorkerBeat.objects.create(
        name="elsewhere:11:bbb", started_at=now, seen_at=now - timedelta(minutes=5)
    )
    gone_pid = f"{workers.HOST}:999999999:ccc"  # this host, no such process
    assert workers.dead(
        {"elsewhere:10:aaa", "elsewhere:11:bbb", "unknown:12:ddd", gone_pid, workers.NAME}, now
    ) == {"elsewhere:11:bbb", "unknown:12:ddd", gone_pid}


def test_healthz_worker_says_when_no_worker_was_seen(client, db):
    answer = client.get("/healthz/worker")
    assert answer.status_code == 503 and answer.json()["status"] == "no worker"
    workers.beat()
    answer = client.get("/healthz/worker")
    assert answer.status_code == 200 and answer.json()["workers"]["alive"] == 1
    WorkerBeat.objects.update(seen_at=timezone.now() - timedelta(minutes=2))
    answer = client.get("/healthz/worker")
    assert answer.status_code == 503
    assert answer.json()["workers"]["seconds_since_last_beat"] >= 119
    # The site's own health does not depend on a worker (a web machine is fine without one).
    assert client.get("/healthz").status_code == 200
