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
must not turn a saved registration into an error page: `enqueue` logs and
gives up, and the sweeps queue the job later (outbox and social sweeps every
minute, certificate generations through sapa.core.workers). A connection that
failed is closed, so the next job opens a fresh one.
"""

import contextlib
import logging
import sqlite3

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


class _NeverFailsToEnqueue:
    def enqueue(self, task):
        if self._immediate:  # the tests: the job runs here, its errors are the test's
            return super().enqueue(task)
        try:
            return super().enqueue(task)
        except Exception as exc:  # noqa: BLE001 - sqlite3, redis, OS errors: the sweeps catch up
            log.warning("the job queue did not take %s (%s: %s); a sweep will queue it again",
                        getattr(task, "name", task), type(exc).__name__, exc)
            return None


class SqliteHuey(_NeverFailsToEnqueue, _SqliteHuey):
    storage_class = SqliteStorage


class RedisHuey(_NeverFailsToEnqueue, _RedisHuey):
    pass
