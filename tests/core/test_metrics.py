"""/metrics for Prometheus (issue 14, item 8): off without a token, refused without it,
and with it the numbers an operator watches."""

import httpx
import pytest
from serverproc import api_body, create_event, person, sapa_server

TOKEN = "s3cret-metrics-token-for-tests"


def test_metrics_is_not_there_without_a_token(client, settings):
    settings.SAPA_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


def test_metrics_needs_the_token(client, settings, db):
    settings.SAPA_METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def _value(text: str, name: str, **labels) -> float:
    """The sum of a metric's samples whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        head, value = line.rsplit(" ", 1)
        if all(f'{k}="{v}"' in head for k, v in labels.items()):
            total += float(value)
    return total


@pytest.mark.slow
def test_metrics_sums_every_web_process_and_reads_the_database():
    env = {"SAPA_METRICS_TOKEN": TOKEN, "SAPA_WEB_WORKERS": "2"}
    with sapa_server(env=env) as server:
        event = create_event(server, capacity=2)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for n in range(3):
                assert client.post(f"/api/v1/events/{event['slug']}/registrations",
                                   json=api_body(event, person(event, n))).status_code == 202
            for _ in range(40):  # spread over both processes by the server
                assert client.get("/healthz").status_code == 200
            auth = {"Authorization": f"Bearer {TOKEN}"}
            texts = [client.get("/metrics", headers=auth) for _ in range(4)]
    assert all(t.status_code == 200 for t in texts)
    # Every scrape, whichever process answers it, counts all 40 health checks.
    for answer in texts:
        text = answer.text
        assert _value(text, "sapa_http_requests_total", route="healthz", status="2xx") >= 40, text[:3000]
        assert _value(text, "sapa_registrations", event=event["slug"], status="confirmed") == 2
        assert _value(text, "sapa_registrations", event=event["slug"], status="waitlisted") == 1
        assert "sapa_outbox_emails" in text and "sapa_queue_jobs_waiting" in text
        assert "sapa_http_request_duration_seconds_bucket" in text
        assert "sapa_live_streams_open" in text
