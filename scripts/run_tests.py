#!/usr/bin/env python3
"""Run every test: lint, then the suite on SQLite, then again on PostgreSQL + Redis.

PostgreSQL and Redis come from SAPA_TEST_DATABASE_URL and SAPA_TEST_REDIS_URL
(defaults: postgres://postgres@127.0.0.1:5432/sapa and redis://127.0.0.1:6379/15).
When they cannot be reached the second run is skipped with a loud notice,
unless SAPA_REQUIRE_POSTGRES=1 (as in .ci/run), which makes it a failure.
Extra arguments go to pytest (e.g. `scripts/run_tests.py -k outbox`).
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_URL = os.environ.get("SAPA_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sapa")
REDIS_URL = os.environ.get("SAPA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def banner(text: str) -> None:
    print(f"\n=== {text} ===", flush=True)


def run_pytest(label: str, extra_env: dict, args: list[str]) -> int:
    banner(f"tests on {label}")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    with tempfile.TemporaryDirectory(prefix="sapa-test-") as data_dir:
        env.update({"SAPA_DATA_DIR": data_dir, **extra_env})
        return subprocess.call([str(BIN / "pytest"), *args], cwd=ROOT, env=env)


def services_reachable() -> str | None:
    """None when PostgreSQL and Redis answer, else the reason."""
    try:
        import psycopg
        import redis
    except ImportError as exc:
        return f"driver missing: {exc}"
    try:
        # The test database is created by pytest-django; the server must answer.
        psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL at {PG_URL} is not reachable ({str(exc).strip().splitlines()[0]})"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis at {REDIS_URL} is not reachable ({exc})"
    return None


def main() -> int:
    args = sys.argv[1:] or ["-q"]
    banner("ruff")
    if subprocess.call([str(BIN / "ruff"), "check", "."], cwd=ROOT):
        return 1
    failures = []
    if run_pytest("SQLite", {}, args):
        failures.append("SQLite")
    reason = services_reachable()
    if reason is None:
        if run_pytest("PostgreSQL + Redis", {"DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL}, args):
            failures.append("PostgreSQL + Redis")
    else:
        banner("PostgreSQL + Redis tests were NOT run")
        print(f"*** {reason}", flush=True)
        print("*** Start PostgreSQL and Redis (see README) to run them.", flush=True)
        if os.environ.get("SAPA_REQUIRE_POSTGRES") == "1":
            failures.append("PostgreSQL + Redis (not reachable)")
    if failures:
        banner("FAILED: " + ", ".join(failures))
        return 1
    banner("all test runs passed" + ("" if reason is None else " (SQLite only)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
