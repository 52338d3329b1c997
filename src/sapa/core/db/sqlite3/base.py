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
"""

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd = None
    _holds_writer = False

    def _lock_path(self):
        name = str(self.settings_dict.get("NAME") or "")
        if not name or name == ":memory:" or "mode=memory" in name:
            return None
        return name + ".lock"

    def _acquire_writer(self):
        path = self._lock_path()
        if path is None:
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
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
