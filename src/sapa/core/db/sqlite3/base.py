"""Django's SQLite backend, with writers queued on a file lock.

SQLite allows one writer per database; Sapa's transactions start with
BEGIN IMMEDIATE (sapa.config), so a writer takes that lock at once. When many
threads and processes race for it, the losers sleep in SQLite's busy handler
(1, 2, 5 … 100 ms between tries) and keep missing the moment it is free: a
rush of registrations then shows second-long tails and starves some writers.

Here every transaction first takes an exclusive `flock` on `<database>.lock`.
The kernel blocks the waiters and wakes one the moment the holder lets go, in
any thread or process, so SQLite's own lock is always free when BEGIN
IMMEDIATE runs and the busy handler only matters for writes made outside a
transaction. In-memory databases (tests) keep Django's plain behaviour.

WAL checkpoints are mostly done beside the writers. SQLite copies the
write-ahead log back into the database (a checkpoint, with two fsyncs) in
the commit that makes the log pass 1,000 pages; that commit returns only
afterwards, still holding the file lock above, so every other writer waited
for it: under a registration rush one commit in a few hundred took 30–180 ms
instead of 0.05 ms. Here each process runs a thread that makes a PASSIVE
checkpoint (it never blocks writers or readers) twice a second, and a
commit checkpoints by itself only when the log passes
CHECKPOINT_SAFETY_PAGES. That one is still needed: while writes go on, a
passive checkpoint never catches up with the end of the log, and only a
complete checkpoint lets the next writer start the log again from its
beginning. It is short, as the thread has copied nearly everything already,
and four times rarer. Measured in-process (bench/registration_cpu.py, 8,476
commits): p99 of a commit 4.6 ms before, 0.17 ms after; the log file stays
under ~16 MB.
"""

import fcntl
import os
import sqlite3
import threading
import time

from django.db.backends.sqlite3 import base

CHECKPOINT_INTERVAL = 0.5  # seconds between a process's background checkpoints
CHECKPOINT_SAFETY_PAGES = 4_000  # ~16 MB of log: a commit checkpoints (and the log restarts)

_checkpointers: dict[str, int] = {}  # database file -> the process whose thread checkpoints it
_checkpointers_lock = threading.Lock()


def _start_checkpointer(path: str) -> None:
    """One background checkpoint thread per database file and process (again after a fork)."""
    pid = os.getpid()
    with _checkpointers_lock:
        if _checkpointers.get(path) == pid:
            return
        _checkpointers[path] = pid
    threading.Thread(target=_checkpoint_loop, args=(path, pid), name="sapa-sqlite-checkpoint",
                     daemon=True).start()


def _checkpoint_loop(path: str, pid: int) -> None:
    conn = None
    while os.getpid() == pid:
        time.sleep(CHECKPOINT_INTERVAL)
        try:
            if conn is None:
                if not os.path.exists(path):
                    continue
                conn = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            if conn is not None:
                conn.close()
            conn = None


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd = None
    _holds_writer = False

    def _lock_path(self):
        name = str(self.settings_dict.get("NAME") or "")
        if not name or name == ":memory:" or "mode=memory" in name:
            return None
        return name + ".lock"

    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)
        path = self._lock_path()
        if path is not None:
            conn.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_SAFETY_PAGES}")
            _start_checkpointer(str(self.settings_dict["NAME"]))
        return conn

    def _acquire_writer(self):
        path = self._lock_path()
        if path is None:
            return
        if self._lock_fd is None:
            try:
                self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:  # the data folder read-only, the disk full: the database's fault
                # inside: loop: django.db loads this database backend
                from django.db import OperationalError

                raise OperationalError(f"cannot open the writers' lock {path}: {exc}") from exc
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._holds_writer = True

    def _release_writer(self):
        if self._holds_writer:
            self._holds_writer = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self):
        self._acquire_writer()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writer()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
