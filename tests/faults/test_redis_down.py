"""Fault 6 (issue 12): Redis (queue, cache, rate limits) stopped, then started again.

While it is down, registrations are answered as saved (their jobs wait in the web process
and the outbox sweep is the safety net), staff log in, the rate limiter lets requests
through and says so in the log, and /healthz says the queue is down (no error text).
Started again: no restart of Sapa, and every confirmation reaches the mail server."""

import re
import shutil
import subprocess
import time

import httpx
import pytest
from conftest import register, wait_for
from serverproc import create_event, free_port, sapa_server

pytestmark = pytest.mark.slow

STAFF = """
from sapa.libraries.models import Library, Membership, Role, User
library = Library.objects.get(slug="uji-beban")
user = User.objects.create_user("staf@contoh.id", "kata-sandi-yang-panjang-sekali")
Membership.objects.create(user=user, library=library, role=Role.ADMIN)
"""


def _redis(port):
    return subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _up(port):
    import redis

    try:
        return redis.Redis(port=port, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


def _login(server) -> int:
    with httpx.Client(base_url=server.url, timeout=30, follow_redirects=False) as client:
        page = client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token,
                "email": "staf@contoh.id",
                "password": "kata-sandi-yang-panjang-sekali",
            },
        )
        return answer.status_code


def test_redis_stopped_and_started_again(inbox):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = free_port()
    redis_proc = _redis(port)
    try:
        wait_for(lambda: _up(port), 10, "Redis")
        env = {
            "SAPA_SMTP_URL": inbox.url,
            "SAPA_WORKER_HEARTBEAT": "1",
            "SAPA_WEB_WORKERS": "1",
            "SAPA_LOG_LEVEL": "WARNING",
        }
        with sapa_server(
            supervised=True, redis_url=f"redis://127.0.0.1:{port}/0", env=env
        ) as server:
            event = create_event(server, capacity=100)
            server.python(STAFF)
            assert register(server, event, 0).status_code == 302

            redis_proc.terminate()
            redis_proc.wait(10)
            down = [register(server, event, n).status_code for n in range(1, 6)]
            login_down = _login(server)
            health = httpx.get(server.url + "/healthz", timeout=10)
            assert down == [302] * 5
            assert login_down == 302
            assert health.status_code == 503 and health.json()["checks"]["queue"] == {"ok": False, "error": "unavailable"}
            assert (
                "Redis does not answer" in server.log()
            )  # the limiter let them through, and said so

            redis_proc = _redis(port)
            started = time.monotonic()
            wait_for(lambda: _up(port), 10, "Redis again")
            wait_for(
                lambda: httpx.get(server.url + "/healthz", timeout=10).status_code == 200,
                30,
                "healthz 200",
                server,
            )
            healthy_after = time.monotonic() - started
            up = [register(server, event, n).status_code for n in range(6, 9)]
            assert up == [302] * 3
            assert _login(server) == 302
            emails = {f"peserta{n}@contoh.id" for n in range(9)}
            wait_for(lambda: emails <= inbox.recipients(), 60, "every confirmation", server)
            print(
                f"\nRedis down: registrations {down}, staff login {login_down}, healthz {health.status_code}; "
                f"up again: healthz 200 after {healthy_after:.1f} s, all 9 confirmations "
                f"{time.monotonic() - started:.1f} s after Redis came back"
            )
    finally:
        redis_proc.terminate()
        redis_proc.wait(10)
