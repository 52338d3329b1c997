"""Workers that die, stop and share the periodic jobs.

- Every `sapa worker` process has a name (host:pid:random) and writes a beat into
  WorkerBeat every SAPA_WORKER_HEARTBEAT seconds. A job that claims a row (an email
  being sent, a certificate generation) writes the name on it.
- A claimer is dead when its process is gone (same host: checked at once) or when its
  beat is older than three heartbeats (another host). The apps' recoverers hand the
  dead workers' rows back (`recover()`): at every worker's start, and every minute.
- On SIGTERM a worker stops taking jobs, lets running ones finish within
  SAPA_WORKER_GRACE seconds (`stopping` tells long jobs to hand themselves back),
  then hands back whatever it still holds and removes its beat.
- Periodic jobs are queued by every worker's scheduler; a lock row per job
  (PeriodicRun) lets one of them run each minute's turn, one at a time.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection
from django.db.models import Max, Q
from django.utils import timezone
from huey.api import PeriodicTask
from huey.exceptions import CancelExecution

from sapa.core.models import PeriodicRun, WorkerBeat

log = logging.getLogger(__name__)

HOST = socket.gethostname()[:60]
NAME = f"{HOST}:{os.getpid()}:{secrets.token_hex(3)}"
# Set when this worker process is asked to stop: long jobs hand themselves back.
stopping = threading.Event()
PERIODIC_LEASE = timedelta(minutes=30)

_recoverers: list = []


def heartbeat_seconds() -> int:
    return settings.WORKER_HEARTBEAT_SECONDS


def dead_after() -> timedelta:
    """A beat older than this: the worker is gone."""
    return timedelta(seconds=3 * heartbeat_seconds() + 2)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def beat(now: datetime | None = None) -> None:
    """Say that this worker is alive."""
    now = now or timezone.now()
    if not WorkerBeat.objects.filter(name=NAME).update(seen_at=now):
        try:
            WorkerBeat.objects.create(name=NAME, started_at=now, seen_at=now)
        except IntegrityError:
            WorkerBeat.objects.filter(name=NAME).update(seen_at=now)


def forget() -> None:
    """This worker has stopped: no beat any more."""
    WorkerBeat.objects.filter(name=NAME).delete()


def dead(names, now: datetime | None = None) -> set[str]:
    """Of these worker names, those whose worker is gone."""
    names = {n for n in names if n}
    if not names:
        return set()
    now = now or timezone.now()
    seen = dict(WorkerBeat.objects.filter(name__in=names).values_list("name", "seen_at"))
    gone = set()
    for name in names:
        host, _, rest = name.partition(":")
        pid = rest.partition(":")[0]
        if host == HOST and pid.isdigit():
            if not _pid_alive(int(pid)) or (name in seen and seen[name] < now - dead_after()):
                gone.add(name)
        elif name not in seen or seen[name] < now - dead_after():
            gone.add(name)
    return gone


def last_seen() -> dict:
    """For monitoring: how many workers beat recently and when the last beat was."""
    now = timezone.now()
    recent = WorkerBeat.objects.filter(seen_at__gte=now - dead_after())
    latest = WorkerBeat.objects.aggregate(m=Max("seen_at"))["m"]
    return {
        "alive": recent.count(),
        "seconds_since_last_beat": round((now - latest).total_seconds(), 1) if latest else None,
    }


def recoverer(fn):
    """Register `fn(gone)`: hands back the rows held by the workers that `gone(names)` says
    are gone (run by recover() and recover_own())."""
    _recoverers.append(fn)
    return fn


def _run_recoverers(gone) -> dict:
    results = {}
    for fn in _recoverers:
        try:
            results[fn.__module__ + "." + fn.__name__] = fn(gone)
        except Exception:  # noqa: BLE001 - the next run (a minute later) tries again
            log.exception("recovery %s failed", fn.__name__)
    return results


def recover() -> dict:
    """Hand back the rows of dead workers (every app's recoverer)."""
    return _run_recoverers(dead)


def recover_own() -> dict:
    """This worker stops: hand back the rows it still holds."""
    return _run_recoverers(lambda names, now=None: {NAME} & set(names))


# --- The heartbeat thread --------------------------------------------------------------------------

_beat_thread: threading.Thread | None = None


def _beat_loop(stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            beat()
        except Exception as exc:  # noqa: BLE001 - the database may be down a moment
            log.warning("worker heartbeat failed: %s", exc)
            connection.close()
        stop.wait(heartbeat_seconds())
    connection.close()


def start_heartbeat() -> threading.Event:
    """Beat in a thread of its own until the returned event is set."""
    global _beat_thread
    stop = threading.Event()
    _beat_thread = threading.Thread(
        target=_beat_loop, args=(stop,), name="sapa-heartbeat", daemon=True
    )
    _beat_thread.start()
    return stop


# --- Periodic jobs: one worker at a time -----------------------------------------------------------


def acquire_periodic(name: str, now: datetime | None = None) -> bool:
    """Take this minute's turn of the periodic job `name`; False when another worker has it."""
    now = now or timezone.now()
    slot = now.replace(second=0, microsecond=0)
    try:
        PeriodicRun.objects.get_or_create(
            name=name, defaults={"slot": slot - timedelta(minutes=1), "lease_until": now}
        )
    except IntegrityError:
        pass  # created by another worker just now
    free = Q(lease_until__lte=now)
    row = PeriodicRun.objects.filter(name=name).values_list("holder", "lease_until").first()
    if row and row[0] and row[1] > now and dead([row[0]], now):
        free |= Q(holder=row[0])  # its holder died while running it
    return bool(
        PeriodicRun.objects.filter(free, name=name, slot__lt=slot).update(
            slot=slot, holder=NAME, lease_until=now + PERIODIC_LEASE
        )
    )


def release_periodic(name: str) -> None:
    PeriodicRun.objects.filter(name=name, holder=NAME).update(lease_until=timezone.now())


def install(huey) -> None:
    """In a worker process: the periodic lock around every periodic job."""
    # Another worker having this minute's turn is the normal case, not a warning.
    logging.getLogger("huey").addFilter(
        lambda record: "by sapa.periodic_lock" not in record.getMessage()
    )

    @huey.pre_execute("sapa.periodic_lock")
    def _take_turn(task):
        if isinstance(task, PeriodicTask):
            close_old_connections()
            if not acquire_periodic(task.name):
                raise CancelExecution()

    @huey.post_execute("sapa.periodic_release")
    def _release_turn(task, task_value, exc):
        if isinstance(task, PeriodicTask):
            try:
                release_periodic(task.name)
            except Exception:  # noqa: BLE001 - the lease runs out by itself
                log.warning("could not release the periodic job %s", task.name, exc_info=True)


def make_consumer(huey, **options):
    """Huey's consumer, telling long jobs when the worker is asked to stop."""
    # inside: the consumer only in the worker
    from huey.consumer import Consumer

    class SapaConsumer(Consumer):
        def stop(self, graceful=False):
            stopping.set()
            super().stop(graceful=graceful)

    return SapaConsumer(huey, **options)
