"""Fault 1-3 (issue 12) under `sapa run`: kill -9 of the worker in the middle of a certificate
generation, of confirmation emails the mail server holds, and of a social post the network
holds. The site stays up, the supervisor starts a new worker, the generation resumes with the
numbers already given (gapless), every confirmation arrives at least once (a copy sent again
carries the same Message-ID), and the social post is not sent twice."""

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from conftest import register, wait_for, worker_pids
from serverproc import create_event, sapa_server

pytestmark = pytest.mark.slow

CERTIFICATES = 200
PEOPLE = 8
LEASE = 6

CERT_SETUP = """
import json
from sapa.attendance.services import record_attendance
from sapa.certificates import services
from sapa.events.models import Event, Registration, RegistrationStatus
event = Event.objects.get(slug={slug!r})
Registration.objects.bulk_create([Registration(
    event=event, status=RegistrationStatus.CONFIRMED, name=f"Peserta Hadir {{i}}",
    email=f"hadir{{i}}@contoh.id", email_normalized=f"hadir{{i}}@contoh.id", language="id")
    for i in range({n})])
for registration in Registration.objects.filter(event=event, email__startswith="hadir"):
    record_attendance(registration, minutes=120, checked_in_at=event.starts_at)
design = services.create_design(event, name="Sertifikat")
design.number_pattern = "{{seq:04d}}/UJI/{{year}}"
design.hours = 2
design.save()
print("DESIGN=" + json.dumps(design.pk))
"""
GENERATE = """
import json
from sapa.certificates import services
from sapa.certificates.models import CertificateDesign
generation = services.start_generation(CertificateDesign.objects.get(pk={design}), send_email=False)
print("GEN=" + json.dumps({{"design": {design}, "generation": generation.pk}}))
"""


def _generation(server, pk):
    (row,) = server.query(
        "SELECT state, rendered, total FROM certificates_generation WHERE id = %s", (pk,)
    )
    return row


def _certificates(server, design):
    return server.query(
        "SELECT registration_id, seq, number, file, rendered_at FROM certificates_certificate "
        "WHERE design_id = %s ORDER BY seq",
        (design,),
    )


def _telegram_state(server):
    rows = server.query(
        "SELECT v.state FROM social_postvariant v JOIN social_channel c ON c.id = v.channel_id "
        "WHERE c.network = 'telegram'"
    )
    return rows[0][0] if rows else None


def test_worker_killed_mid_work_site_stays_up_and_work_resumes(inbox):
    from fakenet import FakeNetwork
    from workerproc import schedule_posts

    env = {
        "SAPA_SMTP_URL": inbox.url,
        "SAPA_WORKER_HEARTBEAT": "1",
        "SAPA_WORKER_THREADS": "6",
        "SAPA_WEB_WORKERS": "1",
        "SAPA_SOCIAL_PUBLISH_LEASE": str(LEASE),
        "SAPA_MAIL_RETRY_BASE": "2",  # a send that timed out is tried again 2 s later, not 30
    }
    with FakeNetwork() as net, sapa_server(supervised=True, env={
            **env, "SAPA_SOCIAL_API_URLS": f"telegram={net.url}", "SAPA_OUTBOUND_ALLOW": "127.0.0.0/8"}) as server:
        wait_for(lambda: worker_pids(server), 30, "the worker's first beat", server)
        (first_worker,) = worker_pids(server)
        event = create_event(server, capacity=CERTIFICATES + 2 * PEOPLE)
        design = json.loads(
            server.python(CERT_SETUP.format(slug=event["slug"], n=CERTIFICATES)).split(
                "DESIGN=", 1
            )[1]
        )
        # The mail server takes each message and holds its answer (less than the 10 s the
        # worker waits for it); the network holds its answer.
        net.stall.set()
        schedule_posts(server, net.url, networks=("telegram",), delay=0)
        inbox.gate.clear()
        registered = [register(server, event, n) for n in range(PEOPLE)]
        assert [r.status_code for r in registered] == [302] * PEOPLE
        ids = json.loads(server.python(GENERATE.format(design=design)).split("GEN=", 1)[1])

        wait_for(
            lambda: (
                inbox.holding >= 3
                and len(net.telegram) == 1
                and _generation(server, ids["generation"])[1] >= 20
            ),
            60,
            "emails, a post and a generation under way",
            server,
            every=0.02,
        )
        state, rendered_before, total = _generation(server, ids["generation"])
        assert state == "running" and rendered_before < total == CERTIFICATES
        numbers_before = {
            (reg, seq, number) for reg, seq, number, _, _ in _certificates(server, ids["design"])
        }
        assert len(numbers_before) == CERTIFICATES
        sending = server.query("SELECT COUNT(*) FROM mail_email WHERE state = 'sending'")[0][0]
        assert sending >= 3

        os.kill(first_worker, signal.SIGKILL)
        killed_at = time.monotonic()
        # The site stays up: pages, health and a registration while the worker is dead.
        assert httpx.get(server.url + "/healthz", timeout=10).status_code == 200
        assert httpx.get(server.url + f"/e/{event['slug']}/", timeout=10).status_code == 200
        assert register(server, event, PEOPLE).status_code == 302
        inbox.gate.set()
        net.stall.clear()
        net.release.set()

        new_worker = wait_for(
            lambda: worker_pids(server) - {first_worker}, 30, "a new worker", server
        )
        restarted_after = time.monotonic() - killed_at
        wait_for(
            lambda: _generation(server, ids["generation"])[0] == "done",
            90,
            "the generation",
            server,
        )
        resumed_after = time.monotonic() - killed_at
        wait_for(
            lambda: (
                server.query("SELECT COUNT(*) FROM mail_email WHERE state <> 'sent'")[0][0] == 0
            ),
            60,
            "every email sent",
            server,
        )
        wait_for(
            lambda: _telegram_state(server) in ("published", "needs_check", "failed"),
            LEASE + 40,
            "the post reconciled",
            server,
        )

        assert "worker stopped (exit -9); starting it again" in server.log()
        assert server.process.poll() is None and new_worker
        # Numbers kept and gapless; every PDF there.
        rows = _certificates(server, ids["design"])
        assert {(reg, seq, number) for reg, seq, number, _, _ in rows} == numbers_before
        assert [seq for _, seq, _, _, _ in rows] == list(range(1, CERTIFICATES + 1))
        assert all(rendered_at and file for _, _, _, file, rendered_at in rows)
        media = Path(server.data_dir) / "media"
        assert all((media / file).stat().st_size > 1000 for _, _, _, file, _ in rows)
        # Every confirmation at least once; a copy sent again has the first one's Message-ID.
        for n in range(PEOPLE + 1):
            copies = inbox.to(f"peserta{n}@contoh.id")
            assert copies, f"peserta{n} got no confirmation"
            assert len({m["Message-ID"] for m in copies}) == 1
        resent = sum(len(inbox.to(f"peserta{n}@contoh.id")) - 1 for n in range(PEOPLE + 1))
        # The social post: once on the network, never again.
        assert len(net.telegram) == 1
        print(
            f"\nkill -9 of the worker: new worker after {restarted_after:.1f} s, generation of "
            f"{CERTIFICATES} done {resumed_after:.1f} s after the kill (killed at {rendered_before}); "
            f"{sending} emails were in flight, {resent} sent again (kill or 10 s SMTP timeout; same Message-ID); "
            f"post state {_telegram_state(server)}, {Counter(s for (s,) in server.query('SELECT state FROM mail_email'))}"
        )
