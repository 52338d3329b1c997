"""The `sapa` command: wrong settings in one clear line; backup and restore; demo twice."""

import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

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
        assert users == [("admin@perpustakaan.test",), ("editor@perpustakaan.test",)]
        assert db.execute("SELECT COUNT(*) FROM libraries_membership").fetchone() == (2,)

    archive = tmp_path / "backup.tar.gz"
    result = run_sapa("backup", str(archive), data_dir=data)
    assert result.returncode == 0, result.stderr
    assert archive.stat().st_size > 0

    with _db(data) as db:
        db.execute("DELETE FROM libraries_membership WHERE user_id IN "
                   "(SELECT id FROM libraries_user WHERE email = 'editor@perpustakaan.test')")
        db.execute("DELETE FROM libraries_user WHERE email = 'editor@perpustakaan.test'")
    with _db(data) as db:
        assert db.execute("SELECT COUNT(*) FROM libraries_user").fetchone() == (1,)

    result = run_sapa("restore", str(archive), "--yes", data_dir=data)
    assert result.returncode == 0, result.stderr
    with _db(data) as db:
        assert db.execute("SELECT COUNT(*) FROM libraries_user WHERE email = "
                          "'editor@perpustakaan.test'").fetchone() == (1,)
        assert db.execute("SELECT COUNT(*) FROM libraries_membership").fetchone() == (2,)


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    result = run_sapa("restore", str(junk), "--yes", data_dir=tmp_path / "data")
    assert result.returncode != 0
    assert "not a Sapa backup" in result.stderr
    assert "Traceback" not in result.stderr


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
