"""Huey's SQLite queue (the one-machine install, without Redis), with a commit that does
not wait for the disk.

Huey's SqliteStorage leaves SQLite's default `synchronous=FULL`: every
enqueue fsyncs the queue's write-ahead log while holding the queue's write
lock (and, within a process, Huey's one connection lock). A registration
queues its confirmation email's job after its commit, so under a rush every
registration waited for the disk: 0.2 ms of CPU and 3–5 ms of wall time per
job on this machine when the disk was busy, one job at a time per process.

With `synchronous=NORMAL` in WAL mode (what Sapa's main SQLite database uses)
a commit is durable when the process dies and the file stays consistent on a
power loss; only the last jobs before a power loss may be lost. Nothing
depends on a job alone: the outbox row is in the main database and the
outbox sweep (every minute) queues due emails whose job was lost, as the
social sweep does for publishes, and as it must on Redis, whose default
persistence keeps less. An enqueue then takes ~0.03 ms of CPU and ~0.1 ms.


A queue that cannot take a job (its data folder read-only a moment, Redis down)
must not turn a saved registration into an error page: `enqueue` logs, keeps
the job in memory and offers it again every few seconds from a thread of its
own (up to RETRY_KEEP jobs per process). If the process ends first, the sweeps
queue the job from the database (outbox and social sweeps every minute,
certificate generations through sapa.core.workers). A connection that failed
is closed, so the next job opens a fresh one.
"""

import contextlib
import logging
import sqlite3
import threading
from collections import deque

from huey import RedisHuey as _RedisHuey
from huey import SqliteHuey as _SqliteHuey
from huey.storage import SqliteStorage as _SqliteStorage

log = logging.getLogger(__name__)


class SqliteStorage(_SqliteStorage):
    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn

    @contextlib.contextmanager
    def db(self, commit=False, close=False):
        try:
            with super().db(commit=commit, close=close) as cursor:
                yield cursor
        except sqlite3.Error:
            # A connection that saw the file read-only (or gone) may stay broken: reopen.
            self.close()
            raise


RETRY_KEEP = 10_000
RETRY_SECONDS = 2


class _NeverFailsToEnqueue:
    _retry_lock = threading.Lock()
    _retry_thread = None

    def enqueue(self, task):
        if self._immediate:  # the tests: the job runs here, its errors are the test's
            return super().enqueue(task)
        try:
            return super().enqueue(task)
        except Exception as exc:  # noqa: BLE001 - sqlite3, redis, OS errors: offered again
            log.warning("the job queue did not take %s (%s: %s); offered again in %s s",
                        getattr(task, "name", task), type(exc).__name__, exc, RETRY_SECONDS)
            self._keep(task)
            return None

    def _keep(self, task) -> None:
        with self._retry_lock:
            if not hasattr(self, "_retry"):
                self._retry = deque(maxlen=RETRY_KEEP)  # the oldest fall to the sweeps
            self._retry.append(task)
            if self._retry_thread is None or not self._retry_thread.is_alive():
                self._retry_thread = threading.Thread(target=self._offer_again, name="sapa-queue-retry",
                                                      daemon=True)
                self._retry_thread.start()

    def _offer_again(self) -> None:
        while True:
            threading.Event().wait(RETRY_SECONDS)
            with self._retry_lock:
                if not self._retry:
                    self._retry_thread = None
                    return
                task = self._retry[0]
            try:
                super().enqueue(task)
            except Exception:  # noqa: BLE001 - still down: wait and try again
                continue
            with self._retry_lock:
                self._retry.popleft()
                while self._retry:  # the queue is back: the rest now
                    task = self._retry.popleft()
                    try:
                        super().enqueue(task)
                    except Exception:  # noqa: BLE001
                        self._retry.appendleft(task)
                        break
            log.warning("the job queue takes jobs again")


class SqliteHuey(_NeverFailsToEnqueue, _SqliteHuey):
    storage_class = SqliteStorage


class RedisHuey(_NeverFailsToEnqueue, _RedisHuey):
    pass
