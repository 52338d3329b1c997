"""Rolling releases and the deployment files an operator copies (issue 14, item 7).

`sapa serve` and `sapa worker` refuse a database whose migrations are behind or
ahead of the code, with one line saying what to do; the systemd units pass
`systemd-analyze verify`, the nginx configuration passes `nginx -t`, and the
compose file is valid YAML naming the services the docs promise.
"""

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from test_cli import run_sapa

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.mark.slow
def test_serve_and_worker_refuse_a_database_behind_the_code(tmp_path):
    assert run_sapa("migrate", "--no-input", "-v", "0", data_dir=tmp_path).returncode == 0
    # Roll one app back by a migration: the database now lacks one of the code's.
    db = sqlite3.connect(tmp_path / "sapa.sqlite3")
    db.execute("DELETE FROM django_migrations WHERE app = 'core' AND name = "
               "(SELECT max(name) FROM django_migrations WHERE app = 'core')")
    db.commit()
    db.close()
    for command in ("serve", "worker"):
        result = run_sapa(command, data_dir=tmp_path, SAPA_PORT="1")
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "run `sapa migrate` first" in lines[0], result.stderr


@pytest.mark.slow
def test_serve_refuses_a_database_migrated_by_a_newer_release(tmp_path):
    assert run_sapa("migrate", "--no-input", "-v", "0", data_dir=tmp_path).returncode == 0
    db = sqlite3.connect(tmp_path / "sapa.sqlite3")
    db.execute("INSERT INTO django_migrations (app, name, applied) "
               "VALUES ('events', '9999_from_the_future', '2027-01-01')")
    db.commit()
    db.close()
    result = run_sapa("serve", data_dir=tmp_path, SAPA_PORT="1")
    assert result.returncode == 2
    assert "newer release" in result.stderr and "events.9999_from_the_future" in result.stderr


def test_the_migration_check_passes_on_a_migrated_database(db):
    from sapa.core.schema import migration_mismatch

    assert migration_mismatch() is None


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path):
    # systemd-analyze checks that ExecStart's program exists: point the units at this venv's sapa.
    sapa = shutil.which("sapa", path=str(Path(__import__("sys").executable).parent))
    units = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = unit.read_text().replace("/opt/sapa/.venv/bin/sapa", sapa)
        copy = tmp_path / unit.name
        copy.write_text(text)
        units.append(str(copy))
    assert [Path(u).name for u in units] == ["sapa-periodic.service", "sapa-web.service", "sapa-worker.service"]
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    # Only complaints about our own units count (the machine's other units are not ours).
    ours = [line for line in (result.stdout + result.stderr).splitlines() if "sapa-" in line]
    assert not ours, "\n".join(ours)


def _nginx():
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.mark.skipif(not _nginx(), reason="nginx is not installed")
def test_nginx_configuration_is_valid(tmp_path):
    site = (DEPLOY / "nginx" / "sapa.conf").read_text()
    # A self-signed certificate for the test, and nginx's own files in a scratch prefix.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=sapa.example.org", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    site = site.replace("/etc/ssl/certs/sapa.pem", str(tmp_path / "cert.pem")) \
        .replace("/etc/ssl/private/sapa.key", str(tmp_path / "key.pem"))
    (tmp_path / "sapa.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    include {tmp_path}/sapa.conf;
}}
""")
    result = subprocess.run([_nginx(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "proxy_buffering off" in site and "live/stream" in site


def test_compose_file_names_web_worker_and_migrate():
    compose = (DEPLOY / "compose.yaml").read_text()
    services = compose.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    names = {line.strip(" :") for line in services.splitlines() if line.startswith("  ") and not line.startswith("   ")}
    assert names == {"web", "worker", "migrate", "postgres", "redis"}
    assert "condition: service_completed_successfully" in compose
    containerfile = (DEPLOY / "Containerfile").read_text()
    assert "python:3.11" in containerfile and 'CMD [".venv/bin/sapa", "serve"]' in containerfile
