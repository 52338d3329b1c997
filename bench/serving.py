#!/usr/bin/env python3
"""Measure granian WSGI vs ASGI for Sapa (docs/decisions.md, "Serving").

    python bench/serving.py [--data-dir DIR] [--seconds 10] [--connections 50]

Needs Debian's `wrk` (apt-get install wrk) as the load generator: it runs in its
own process and is far cheaper per request than the server. Each variant is a
granian started like `sapa run` starts it (sapa.cli._server_command for WSGI;
the same options with --interface asgi for ASGI), against a data folder with
the demo loaded (`sapa migrate && sapa demo` once; --data-dir, default
/tmp/sapa-serve). For each variant it prints requests/s and p50/p99 for
/healthz and the demo library's public page, then opens 200 idle SSE-like
streams (bench/sse_urls.py) and measures what they cost: how many opened,
server threads and memory, and /healthz while they stay open.

Only 127.0.0.1; every load run is bounded by --seconds.
"""

import argparse
import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sapa.cli import _server_command  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def variant_command(kind: str, port: int, workers: int, threads: int) -> list[str]:
    os.environ["SAPA_WEB_WORKERS"] = str(workers)
    os.environ["SAPA_WEB_THREADS"] = str(threads)
    cmd = _server_command("127.0.0.1", port)
    if kind == "asgi":
        i = cmd.index("--interface")
        cmd[i + 1] = "asgi"
        cmd[cmd.index("sapa.wsgi:application")] = "sapa.asgi:application"
        j = cmd.index("--blocking-threads")
        del cmd[j:j + 2]  # granian's ASGI default: one blocking thread
    return cmd


def wait_up(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {base} did not answer /healthz")


def wrk(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", url],
        capture_output=True, text=True, timeout=seconds + 30,
    ).stdout

    def ms(label):
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": ms("50"), "p99": ms("99"),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(0) if errors else ""}


def tree_stats(pid: int) -> dict:
    """Threads and RSS of a process and its children (Linux /proc)."""
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(c) for c in children]
    except FileNotFoundError:
        pass
    threads = rss_kb = 0
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        threads += int(re.search(r"Threads:\s+(\d+)", status).group(1))
        rss_kb += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return {"processes": len(pids), "threads": threads, "rss_mb": round(rss_kb / 1024, 1)}


async def open_streams(port: int, count: int, timeout: float = 8.0):
    """Open `count` streams; return (the open writers, how many got their first bytes in time)."""

    async def one():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /bench/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        await writer.drain()
        try:
            data = await asyncio.wait_for(reader.read(4096), timeout)
            ok = b" 200 " in data.split(b"\r\n", 1)[0]
        except TimeoutError:
            ok = False
        return writer, ok

    results = await asyncio.gather(*(one() for _ in range(count)))
    return [w for w, _ in results], sum(1 for _, ok in results if ok)


def measure(kind: str, workers: int, threads: int, args, paths: list[str], streams: int) -> dict:
    port = free_port()
    env = {**os.environ, "SAPA_DATA_DIR": args.data_dir, "PYTHONPATH": str(ROOT / "bench"),
           "DJANGO_SETTINGS_MODULE": "sse_settings", "SAPA_SERVER_LOG_LEVEL": "error"}
    cmd = variant_command(kind, port, workers, threads)
    proc = subprocess.Popen(cmd, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    result = {"kind": kind, "workers": workers, "threads": threads if kind == "wsgi" else "-"}
    try:
        wait_up(base)
        for path in paths:
            wrk(base + path, 2, args.connections)  # warm up every worker
            result[path] = wrk(base + path, args.seconds, args.connections)
        result["idle"] = tree_stats(proc.pid)
        if streams:
            loop = asyncio.new_event_loop()
            writers, opened = loop.run_until_complete(open_streams(port, streams))
            time.sleep(1)
            result["streams_opened"] = opened
            result["with_streams"] = tree_stats(proc.pid)
            result["healthz_with_streams"] = wrk(base + "/healthz", args.seconds, args.connections)
            for w in writers:
                w.close()
            loop.close()
    finally:
        # The whole process group (granian and its workers): an ASGI worker with
        # open streams can outlive its parent otherwise.
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        time.sleep(1)
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # any worker still there
        except ProcessLookupError:
            pass
    return result


def fmt(r: dict | None) -> str:
    if not r:
        return "-"
    p50 = f"{r['p50']:.1f}" if r["p50"] is not None else "?"
    p99 = f"{r['p99']:.1f}" if r["p99"] is not None else "?"
    extra = f" non2xx={r['non2xx']}" if r["non2xx"] else ""
    extra += f" [{r['socket_errors']}]" if r["socket_errors"] else ""
    return f"{r['rps']:8.0f} req/s  p50 {p50:>6} ms  p99 {p99:>7} ms{extra}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="/tmp/sapa-serve")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--page", default="/balitbangdiklat/")
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--variants", default="wsgi:2:8,asgi:2:0,wsgi:2:128")
    args = parser.parse_args()
    paths = ["/healthz", args.page]
    for spec in args.variants.split(","):
        kind, workers, threads = spec.split(":")
        r = measure(kind, int(workers), int(threads), args, paths, args.streams)
        print(f"\n== granian {kind.upper()} workers={workers} blocking-threads={r['threads']}")
        for path in paths:
            print(f"  {path:22} {fmt(r.get(path))}")
        print(f"  idle server: {r['idle']}")
        if args.streams:
            print(f"  {args.streams} streams: {r['streams_opened']} opened within 8 s; "
                  f"server then {r['with_streams']}")
            print(f"  /healthz with streams  {fmt(r['healthz_with_streams'])}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
