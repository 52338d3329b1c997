#!/usr/bin/env python3
"""Open many live-board streams on a real Sapa server, make an update, and time its arrival.

    python bench/live_board.py --db sqlite   --streams 200
    python bench/live_board.py --db postgres --streams 200            # with Redis
    python bench/live_board.py --db postgres --streams 200 --redis-url ''   # PostgreSQL, no Redis

It starts the real server as `sapa run` does (tests/serverproc.py: granian with
sapa.cli's command, after `sapa migrate` and `collectstatic`) on a fresh
database (SQLite in a temporary data folder, or a fresh PostgreSQL database
`sapa_race_*`, dropped afterwards; with --db postgres also Redis pub/sub unless
--redis-url ''), creates an event whose board takes anonymous questions, then:

1. opens --streams Server-Sent Events connections to /e/<slug>/live/stream/
   at once (plain asyncio sockets in this process) and counts those answered 200;
2. prints the server's threads and RSS, and its database connections, with them open;
3. measures /healthz and the board page (GET, --concurrency connections, --seconds
   each) while the streams stay open: pages must keep working beside them;
4. posts --updates questions (one at a time, as a participant's browser does) and
   for each prints how many streams received it and the p50/p95/max delay from the
   moment the POST was sent. The target: every stream within 2 s.

Exit 1 when a stream did not open or an update missed a stream. Only 127.0.0.1;
everything is bounded by --streams, --updates and --timeout.
"""

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "live"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from live_servers import ask, create_board  # noqa: E402
from loadclient import percentile, throughput  # noqa: E402
from serverproc import sapa_server  # noqa: E402

DEFAULT_PG = os.environ.get("SAPA_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sapa")
DEFAULT_REDIS = os.environ.get("SAPA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class Stream:
    def __init__(self):
        self.reader = self.writer = None
        self.status = None
        self.buffer = b""
        self.seen: dict[str, float] = {}


async def open_stream(port: int, path: str, timeout: float) -> Stream:
    stream = Stream()
    try:
        stream.reader, stream.writer = await asyncio.open_connection("127.0.0.1", port)
        stream.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                            .encode())
        await stream.writer.drain()
        head = await asyncio.wait_for(stream.reader.readuntil(b"\r\n\r\n"), timeout)
        match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
        stream.status = int(match.group(1)) if match else None
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        stream.status = None
    return stream


async def follow(stream: Stream, markers: list[str], stop: asyncio.Event) -> None:
    """Read until `stop`; note when each marker first shows up."""
    while not stop.is_set() and stream.reader is not None:
        try:
            data = await asyncio.wait_for(stream.reader.read(65536), 0.5)
        except TimeoutError:
            continue
        except OSError:
            return
        if not data:
            return
        now = time.monotonic()
        stream.buffer = (stream.buffer + data)[-8192:]
        for marker in markers:
            if marker not in stream.seen and marker.encode() in stream.buffer:
                stream.seen[marker] = now


def tree_stats(pid: int) -> dict:
    """Threads and RSS of a process and its children (Linux /proc)."""
    pids = [pid]
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    pids += [int(c) for c in children]
    threads = rss_kb = 0
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        threads += int(re.search(r"Threads:\s+(\d+)", status).group(1))
        rss_kb += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return {"processes": len(pids), "threads": threads, "rss_mb": round(rss_kb / 1024, 1)}


def db_connections(server) -> str:
    if server.vendor != "postgresql":
        return "n/a (SQLite)"
    import psycopg

    name = server.database_url.rsplit("/", 1)[1]
    with psycopg.connect(server.database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        rows = conn.execute("SELECT state FROM pg_stat_activity WHERE datname = %s", [name]).fetchall()
        busy = sum(1 for (state,) in rows if state != "idle")
        return f"{len(rows)} ({busy} not idle; idle ones wait in the processes' pools)"


async def run(server, board: dict, args) -> int:
    port = urlparse(server.url).port
    path = f"/e/{board['slug']}/live/stream/"
    started = time.monotonic()
    streams = await asyncio.gather(*(open_stream(port, path, args.timeout) for _ in range(args.streams)))
    opened = sum(1 for s in streams if s.status == 200)
    print(f"streams: {opened} of {args.streams} opened (200) in {time.monotonic() - started:.2f} s"
          + (f"; others: {sorted({s.status for s in streams if s.status != 200}, key=str)}"
             if opened < args.streams else ""))
    await asyncio.sleep(1.0)
    stats = tree_stats(server.process.pid)
    print(f"server with the streams open: {stats['processes']} processes, {stats['threads']} threads, "
          f"{stats['rss_mb']} MB RSS; database connections: {db_connections(server)}")
    markers = [f"bench-{n}-{os.getpid()}" for n in range(args.updates)]
    stop = asyncio.Event()
    followers = [asyncio.create_task(follow(s, markers, stop)) for s in streams if s.status == 200]

    if args.seconds:
        for page in ("/healthz", f"/e/{board['slug']}/live/"):
            r = await throughput("127.0.0.1", port, page, concurrency=args.concurrency, seconds=args.seconds)
            print(f"GET {page:<28} beside the streams: {r['rps']:7.0f} req/s, p50 {r['p50_ms']:.0f} ms, "
                  f"p99 {r['p99_ms']:.0f} ms, statuses {r['statuses']}, errors {r['errors']}")

    failed = opened < args.streams
    for marker in markers:
        await asyncio.sleep(0.5)
        sent = time.monotonic()
        answer = await asyncio.to_thread(ask, server.url, board["slug"], f"Pertanyaan {marker}")
        answered = time.monotonic()
        if answer.status_code != 201:
            print(f"update refused: {answer.status_code} {answer.text[:200]}")
            failed = True
            continue
        deadline = answered + args.timeout
        live = [s for s in streams if s.status == 200]
        while time.monotonic() < deadline and sum(1 for s in live if marker in s.seen) < len(live):
            await asyncio.sleep(0.02)
        delays = [s.seen[marker] - sent for s in live if marker in s.seen]
        got = len(delays)
        within = sum(1 for d in delays if d <= 2.0)
        print(f"update {marker}: POST answered in {(answered - sent) * 1000:.0f} ms; received by {got} of "
              f"{len(live)} streams ({within} within 2 s); delay from the POST p50 "
              f"{percentile(delays, 50) * 1000:.0f} ms, p95 {percentile(delays, 95) * 1000:.0f} ms, "
              f"max {max(delays, default=0) * 1000:.0f} ms")
        failed = failed or got < len(live)
    stop.set()
    await asyncio.gather(*followers, return_exceptions=True)
    for s in streams:
        if s.writer is not None:
            s.writer.close()
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--redis-url", default=None, help="default: Redis with --db postgres, none with sqlite")
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--updates", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5, help="page load beside the streams (0: skip)")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--workers", type=int, default=0, help="SAPA_WEB_WORKERS (default: the run command's)")
    parser.add_argument("--live-streams", type=int, default=0,
                        help="SAPA_LIVE_STREAMS per process (default: the run command's)")
    args = parser.parse_args()
    redis_url = args.redis_url if args.redis_url is not None else (DEFAULT_REDIS if args.db == "postgres" else "")
    # Every stream comes from this one machine to one event: lift the per-address and
    # per-event caps (tests/security/test_live_caps.py tests those), measure the process's.
    env = {"SAPA_LIVE_STREAMS_PER_ADDRESS": "100000", "SAPA_LIVE_STREAMS_PER_EVENT": "100000"}
    if args.workers:
        env["SAPA_WEB_WORKERS"] = str(args.workers)
    if args.live_streams:
        env["SAPA_LIVE_STREAMS"] = os.environ["SAPA_LIVE_STREAMS"] = str(args.live_streams)
    database_url = args.database_url if args.db == "postgres" else ""
    with sapa_server(database_url=database_url, redis_url=redis_url, env=env) as server:
        board = create_board(server, people=1)
        command = server.process.args
        workers = command[command.index("--workers") + 1]
        print(f"server: {server.vendor}{' + Redis' if redis_url else ' (no Redis: each process polls the log)'}, "
              f"granian RSGI (sapa.server: pages on threads, streams on the event loop), "
              f"{workers} workers, {os.cpu_count()} cores")
        code = asyncio.run(run(server, board, args))
        log = server.log().strip()
        if log:
            print("--- server log (last lines) ---\n" + "\n".join(log.splitlines()[-15:]))
    httpx.Client().close()
    return code


if __name__ == "__main__":
    sys.exit(main())
