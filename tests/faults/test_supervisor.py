"""Issue 14 item 5: `sapa run` stops what it started however it is stopped: SIGKILL of the
supervisor, or its process group killed (the children sit in their own sessions)."""

import os
import signal
import subprocess
import time

import pytest
from conftest import wait_for, worker_pids
from serverproc import sapa_server

pytestmark = pytest.mark.slow


def _children(pid: int) -> set[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout
    return {int(p) for p in out.split()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for its parent counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("how", ["supervisor SIGKILL", "process group SIGKILL"])
def test_children_stop_with_the_supervisor(how):
    env = {"SAPA_WORKER_HEARTBEAT": "1", "SAPA_WEB_WORKERS": "1"}
    with sapa_server(supervised=True, database_url="", redis_url="", env=env) as server:
        supervisor = server.process.pid
        wait_for(lambda: worker_pids(server), 30, "the worker", server)
        children = _children(supervisor)
        grandchildren = {g for c in children for g in _children(c)}  # granian's own workers
        assert len(children) == 2 and grandchildren
        if how == "supervisor SIGKILL":
            os.kill(supervisor, signal.SIGKILL)
        else:
            os.killpg(supervisor, signal.SIGKILL)  # `kill -9 -- -PGID`: the children are not in it
        started = time.monotonic()
        wait_for(
            lambda: not any(_alive(p) for p in children | grandchildren),
            30,
            f"the web server and the worker to stop ({how})",
            server,
        )
        print(f"\n{how}: web server and worker gone {time.monotonic() - started:.1f} s later")
