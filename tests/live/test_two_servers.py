"""Two real server processes on one database: an update made through one reaches a stream
opened on the other within 2 s, and open streams hold no database connection.

On SQLite (the in-process path: each process's listener polls the log) and, when the
suite runs on PostgreSQL, on PostgreSQL with Redis pub/sub and on PostgreSQL without Redis.
"""

import os
import time
from pathlib import Path

import pytest
from live_servers import SseReader, ask, create_board, question_with, second_server
from serverproc import sapa_server

pytestmark = pytest.mark.slow

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))
SETUPS = ["redis", "no-redis"] if ON_POSTGRES else ["default"]


def _connections(server, pids: list[int]) -> int:
    """Database connections the given server processes hold (their whole process trees)."""
    if server.vendor == "postgresql":
        import psycopg

        name = server.database_url.rsplit("/", 1)[1]
        base = server.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base, autocommit=True) as conn:
            return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                [name]).fetchone()[0]
    database = str(server.data_dir / "sapa.sqlite3")
    count = 0
    for pid in _tree(pids):
        fd_dir = Path(f"/proc/{pid}/fd")
        try:
            count += sum(1 for fd in fd_dir.iterdir() if os.path.realpath(fd) == database)
        except OSError:
            continue
    return count


def _tree(pids: list[int]) -> list[int]:
    found = list(pids)
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid in found:
                found.append(int(proc.name))
    return found


@pytest.mark.parametrize("setup", SETUPS)
def test_an_update_through_one_server_reaches_a_stream_on_the_other(setup):
    redis_url = "" if setup == "no-redis" else None
    env = {"SAPA_WEB_WORKERS": "1"}
    with sapa_server(env=env, redis_url=redis_url) as server_a:
        board = create_board(server_a)
        with second_server(server_a) as (url_b, pid_b):
            stream_url = f"{url_b}/e/{board['slug']}/live/stream/"
            readers = [SseReader(stream_url) for _ in range(12)]
            for reader in readers:
                assert reader.opened.wait(10) and reader.status == 200, reader.error
            time.sleep(0.5)
            # Twelve streams open on B: no connection per stream (B's listener holds one).
            held = _connections(server_a, [server_a.process.pid, pid_b])
            assert held < 12, f"{held} database connections with 12 streams open"
            print(f"\n{setup}: {held} database connections held by two servers with 12 streams open")

            sent = time.monotonic()
            answer = ask(server_a.url, board["slug"], "Dari server A, sampai di B?")
            assert answer.status_code == 201, answer.text
            for reader in readers:
                got = reader.wait_for(question_with("Dari server A, sampai di B?"), timeout=5)
                assert got is not None, f"no update on B ({setup}); log: {server_a.log()[-2000:]}"
                assert got[0] - sent < 2.0, f"{got[0] - sent:.2f} s"
            # And the other way round, through B to a stream on A.
            reader_a = SseReader(f"{server_a.url}/e/{board['slug']}/live/stream/")
            assert reader_a.opened.wait(10) and reader_a.status == 200
            time.sleep(0.3)
            sent = time.monotonic()
            assert ask(url_b, board["slug"], "Dari B ke A?").status_code == 201
            got = reader_a.wait_for(question_with("Dari B ke A?"), timeout=5)
            assert got is not None and got[0] - sent < 2.0
            for reader in [*readers, reader_a]:
                reader.close()


def test_a_server_with_open_streams_stops_at_once():
    """SIGTERM ends the open streams first (sapa.live.serving), so the server stops gracefully
    instead of waiting for them until `sapa run` kills it."""
    from serverproc import _stop

    with sapa_server(env={"SAPA_WEB_WORKERS": "1"}) as server:
        board = create_board(server)
        readers = [SseReader(f"{server.url}/e/{board['slug']}/live/stream/") for _ in range(5)]
        for reader in readers:
            assert reader.opened.wait(10) and reader.status == 200
        started = time.monotonic()
        _stop(server.process, timeout=10)
        stopped = time.monotonic() - started
        assert server.process.returncode == 0, server.log()[-2000:]
        assert stopped < 5, f"{stopped:.1f} s"
        for reader in readers:
            reader.thread.join(5)
            assert not reader.thread.is_alive()


def test_a_screen_that_leaves_frees_its_stream(monkeypatch):
    """A closed browser tab is noticed at the next heartbeat (15 s): its thread and its place
    under SAPA_LIVE_STREAMS are free again."""
    import httpx

    monkeypatch.setenv("SAPA_LIVE_STREAMS", "3")  # read by sapa.cli._server_command too
    # One event may take all three here (by default it takes at most 3/4 of them).
    env = {"SAPA_WEB_WORKERS": "1", "SAPA_LIVE_STREAMS": "3", "SAPA_LIVE_STREAMS_PER_EVENT": "3"}
    with sapa_server(env=env) as server:
        board = create_board(server)
        url = f"{server.url}/e/{board['slug']}/live/stream/"
        readers = [SseReader(url) for _ in range(3)]
        for reader in readers:
            assert reader.opened.wait(10) and reader.status == 200
        assert httpx.get(url, timeout=5).status_code == 503  # full
        for reader in readers:
            reader.close()
        # The readers' sockets close when their threads notice the stop flag (next line: the heartbeat).
        deadline = time.monotonic() + 45
        status = 503
        while time.monotonic() < deadline and status == 503:
            time.sleep(1)
            with httpx.stream("GET", url, timeout=5) as response:
                status = response.status_code
        assert status == 200, "the streams of closed screens were never freed"
