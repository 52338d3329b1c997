"""The `sapa` command: wrong settings in one clear line; backup and restore; demo twice."""

import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every test runs the `sapa` command in its own process

SAPA = str(Path(sys.executable).parent / "sapa")


def run_sapa(*args, data_dir, **env):
    base = {k: v for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    base.update({"SAPA_DATA_DIR": str(data_dir), "SAPA_SMTP_URL": "console://"}, **env)
    return subprocess.run([SAPA, *args], env=base, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nope"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:////no/such/folder/sapa.sqlite3"}, "DATABASE_URL"),
        ({"REDIS_URL": "redis://127.0.0.1:1/0"}, "REDIS_URL"),
        ({"REDIS_URL": "http://127.0.0.1/"}, "REDIS_URL"),
        ({"SAPA_HTTPS": "maybe"}, "SAPA_HTTPS"),
        ({"SAPA_SMTP_URL": "pigeon://coop"}, "SAPA_SMTP_URL"),
        ({"SAPA_DB_POOL_SIZE": "1"}, "SAPA_DB_POOL_SIZE"),
        ({"SAPA_DB_PGBOUNCER": "maybe"}, "SAPA_DB_PGBOUNCER"),
        ({"SAPA_CHECKIN_RATE": "often"}, "SAPA_CHECKIN_RATE"),
        ({"SAPA_SOCIAL_PUBLISH_LEASE": "ten minutes"}, "SAPA_SOCIAL_PUBLISH_LEASE"),
    ],
)
def test_bad_environment_is_one_clear_line(tmp_path, env, variable):
    result = run_sapa("migrate", data_dir=tmp_path, **env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sapa: error: ")
    assert variable in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_unusable_data_folder_is_one_clear_line():
    result = run_sapa("migrate", data_dir="/proc/sapa-no-such-folder")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("sapa: error: SAPA_DATA_DIR")


def _db(data_dir):
    return sqlite3.connect(data_dir / "sapa.sqlite3")


def test_backup_and_restore_round_trip_and_demo_twice(tmp_path):
    data = tmp_path / "data"
    assert run_sapa("migrate", "--no-input", "-v", "0", data_dir=data).returncode == 0
    for _ in range(2):  # safe to run twice
        result = run_sapa("demo", data_dir=data)
        assert result.returncode == 0, result.stderr
        assert "admin@perpustakaan.test" in result.stdout
    with _db(data) as db:
        users = db.execute("SELECT email FROM libraries_user ORDER BY email").fetchall()
        # The demo library's admin and editor, and the admin of its second library (scripts/probe.py).
        assert users == [("admin@perpustakaan.test",), ("admin@tetangga.test",), ("editor@perpustakaan.test",)]
        assert db.execute("SELECT COUNT(*) FROM libraries_membership").fetchone() == (3,)

    archive = tmp_path / "backup.tar.gz"
    result = run_sapa("backup", str(archive), data_dir=data)
    assert result.returncode == 0, result.stderr
    assert archive.stat().st_size > 0

    with _db(data) as db:
        db.execute("DELETE FROM libraries_membership WHERE user_id IN "
                   "(SELECT id FROM libraries_user WHERE email = 'editor@perpustakaan.test')")
        db.execute("DELETE FROM libraries_user WHERE email = 'editor@perpustakaan.test'")
    with _db(data) as db:
        assert db.execute("SELECT COUNT(*) FROM libraries_user").fetchone() == (2,)

    result = run_sapa("restore", str(archive), "--yes", data_dir=data)
    assert result.returncode == 0, result.stderr
    with _db(data) as db:
        assert db.execute("SELECT COUNT(*) FROM libraries_user WHERE email = "
                          "'editor@perpustakaan.test'").fetchone() == (1,)
        assert db.execute("SELECT COUNT(*) FROM libraries_membership").fetchone() == (3,)


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    result = run_sapa("restore", str(junk), "--yes", data_dir=tmp_path / "data")
    assert result.returncode != 0
    assert "not a Sapa backup" in result.stderr
    assert "Traceback" not in result.stderr


def test_second_run_on_a_port_in_use_stops_with_one_line_and_the_first_prints_full_urls(tmp_path):
    """A real `sapa run`, then a second one on its port: the second says so in one line and
    starts nothing (granian's SO_REUSEPORT would otherwise let both answer)."""
    import signal
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = tmp_path / "data"
    assert run_sapa("migrate", "--no-input", "-v", "0", data_dir=data).returncode == 0
    assert run_sapa("demo", data_dir=data).returncode == 0
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"SAPA_DATA_DIR": str(data), "SAPA_SMTP_URL": "console://", "SAPA_PORT": str(port),
                "SAPA_WEB_WORKERS": "1", "SAPA_LIVE_STREAMS": "4"})
    first = subprocess.Popen([SAPA, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
    try:
        lines = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("library page" in line for line in lines):
            line = first.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
        out = "\n".join(lines)
        assert f"http://127.0.0.1:{port}/accounts/login/" in out, out
        assert f"http://127.0.0.1:{port}/balitbangdiklat/" in out, out
        # Wait until the first server listens.
        while time.monotonic() < deadline:
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        for command in ("run", "serve"):
            second = run_sapa(command, data_dir=data, SAPA_PORT=str(port))
            assert second.returncode == 2, (command, second.stdout, second.stderr)
            assert second.stderr.strip().splitlines() == [second.stderr.strip()], second.stderr
            assert second.stderr.startswith("sapa: error: ") and str(port) in second.stderr
            assert "SAPA_PORT" in second.stderr and "Traceback" not in second.stderr
        assert first.poll() is None  # the first one still serves
    finally:
        os.killpg(first.pid, signal.SIGTERM)
        first.wait(20)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the start-up lock is a Linux abstract socket")
def test_a_sapa_still_migrating_holds_its_port(tmp_path):
    """Before granian listens (migrations, collectstatic), a starting `sapa run` already holds
    the address: a second one stops at once instead of starting beside it later."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as starting:  # what a starting Sapa holds
        starting.bind(f"\0sapa-serving:127.0.0.1:{port}")
        second = run_sapa("serve", data_dir=tmp_path / "data", SAPA_PORT=str(port))
    assert second.returncode == 2
    assert second.stderr.strip().splitlines() == [second.stderr.strip()]
    assert "another Sapa is starting or serving" in second.stderr and str(port) in second.stderr
def test_truncated_backup_names_the_damaged_file_and_changes_nothing(tmp_path):
    data = tmp_path / "data"
    assert run_sapa("migrate", "--no-input", "-v", "0", data_dir=data).returncode == 0
    assert run_sapa("demo", data_dir=data).returncode == 0
    archive = tmp_path / "backup.tar.gz"
    assert run_sapa("backup", str(archive), data_dir=data).returncode == 0
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])  # a copy cut off half-way
    with _db(data) as db:
        db.execute("UPDATE libraries_user SET name = 'Sesudah cadangan'")
    before = (data / "sapa.sqlite3").read_bytes()

    result = run_sapa("restore", str(cut), "--yes", data_dir=data)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    message = result.stderr.strip()
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getnames()
    named = [name for name in members if f"the file {name} in it is damaged" in message]
    assert len(named) == 1, message  # the member the archive breaks in
    assert "Nothing was changed" in message
    assert (data / "sapa.sqlite3").read_bytes() == before
    with _db(data) as db:
        assert {n for (n,) in db.execute("SELECT name FROM libraries_user")} == {"Sesudah cadangan"}
