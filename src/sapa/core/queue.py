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
"""

from huey import SqliteHuey as _SqliteHuey
from huey.storage import SqliteStorage as _SqliteStorage


class SqliteStorage(_SqliteStorage):
    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


class SqliteHuey(_SqliteHuey):
    storage_class = SqliteStorage
