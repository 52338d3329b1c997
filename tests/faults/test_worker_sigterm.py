"""Issue 14 item 3: SIGTERM (systemd's and Kubernetes' stop) makes the worker finish or hand
back its jobs within SAPA_WORKER_GRACE: an email the mail server took is recorded as sent
(not sent again), a long certificate generation stops between batches and is queued for the
next worker, which finishes it with the same numbers."""

import json
import os
import signal
import subprocess
import time

import pytest
from conftest import register, wait_for, worker_pids
from serverproc import ROOT, create_event, sapa_executable, sapa_server
from test_worker_killed import CERT_SETUP, GENERATE, _certificates, _generation

pytestmark = pytest.mark.slow

CERTIFICATES = 200
GRACE = 8


def test_sigterm_finishes_sends_and_hands_back_the_generation(inbox):
    env = {
        "SAPA_SMTP_URL": inbox.url,
        "SAPA_WORKER_HEARTBEAT": "1",
        "SAPA_WEB_WORKERS": "1",
        "SAPA_WORKER_GRACE": str(GRACE),
    }
    with sapa_server(worker=True, env=env) as server:
        (worker,) = wait_for(lambda: worker_pids(server), 30, "the worker", server)
        event = create_event(server, capacity=CERTIFICATES + 10)
        design = json.loads(
            server.python(CERT_SETUP.format(slug=event["slug"], n=CERTIFICATES)).split(
                "DESIGN=", 1
            )[1]
        )
        inbox.gate.clear()
        assert [register(server, event, n).status_code for n in range(2)] == [302, 302]
        ids = json.loads(server.python(GENERATE.format(design=design)).split("GEN=", 1)[1])
        wait_for(
            lambda: inbox.holding == 2 and _generation(server, ids["generation"])[1] >= 20,
            30,
            "two sends and the generation under way",
            server,
            every=0.02,
        )
        numbers = [row[:3] for row in _certificates(server, ids["design"])]

        os.kill(worker, signal.SIGTERM)
        stopped_at = time.monotonic()
        time.sleep(1)
        inbox.gate.set()  # the mail server answers: the sends complete within the grace period
        wait_for(
            lambda: not worker_pids(server) and not _running(worker),
            GRACE + 10,
            "the worker to stop",
            server,
        )
        stop_took = time.monotonic() - stopped_at
        states = sorted(s for (s,) in server.query("SELECT state FROM mail_email"))
        assert states == ["sent", "sent"]
        state, rendered, total = _generation(server, ids["generation"])
        assert state == "queued" and rendered < total == CERTIFICATES
        assert server.query("SELECT COUNT(*) FROM core_workerbeat")[0][0] == 0  # it said goodbye

        with open(server.data_dir / "worker2.log", "wb") as log:
            second = subprocess.Popen(
                [*sapa_executable(), "worker"],
                env=server.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for(
                lambda: _generation(server, ids["generation"])[0] == "done",
                60,
                "the generation",
                server,
            )
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(GRACE + 10)
        assert [row[:3] for row in _certificates(server, ids["design"])] == numbers
        assert all(row[4] for row in _certificates(server, ids["design"]))
        assert [len(inbox.to(f"peserta{n}@contoh.id")) for n in range(2)] == [1, 1]  # once each
        print(
            f"\nSIGTERM: worker stopped in {stop_took:.1f} s (grace {GRACE} s), emails sent once and "
            f"recorded sent, generation handed back at {rendered}/{total} and finished by the next worker"
        )


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"
