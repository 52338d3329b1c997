"""Prometheus metrics at /metrics, for operators (issue 14, item 8).

- Requests and their latency, by route (the URL pattern, never the path: no ids or
  slugs in label values), counted by MetricsMiddleware in every web process. Granian
  runs several processes; prometheus_client's multiprocess mode sums them from files
  in PROMETHEUS_MULTIPROC_DIR (the data folder's `metrics/`, emptied when `sapa serve`
  or `sapa run` starts), so a scrape that reaches any process sees all of them.
- Live-board streams open (a gauge summed over the live processes).
- Read from the database and the queue at scrape time, the same from any process:
  jobs waiting in the queue, outbox emails by state, registrations by event and state
  (events that ended less than 30 days ago or are still to come).

The endpoint answers 404 unless SAPA_METRICS_TOKEN is set, and 401 unless the request
carries `Authorization: Bearer <token>` (compared in constant time).
"""

import hmac
import shutil
import time
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from huey.contrib.djhuey import HUEY
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter("sapa_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "sapa_http_request_duration_seconds", "Time to answer (to the first byte for streams)", ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LIVE_STREAMS = Gauge("sapa_live_streams_open", "Live-board streams open", multiprocess_mode="livesum")


def reset_directory() -> None:
    """Empty the multiprocess folder before the web processes start (stale counters go)."""
    folder = settings.PROMETHEUS_MULTIPROC_DIR
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else "unmatched"
        status = f"{response.status_code // 100}xx"
        REQUESTS.labels(request.method if request.method in _METHODS else "other", route, status).inc()
        LATENCY.labels(route).observe(time.perf_counter() - started)
        return response


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class DatabaseCollector:
    """What every process reads the same: the queue, and what each app reads from the database
    at scrape time through its AppConfig's `metric_families(since)` hook (a list of metric
    families; `since` is 30 days ago): the mail app its outbox, the events app registrations."""

    def collect(self):
        queue = GaugeMetricFamily("sapa_queue_jobs_waiting", "Jobs waiting in the queue")
        try:
            queue.add_metric([], HUEY.storage.queue_size())
        except Exception:  # noqa: BLE001 - the queue's store is down: say nothing rather than lie
            pass
        else:
            yield queue
        up = GaugeMetricFamily("sapa_database_up", "1 when the database answered this scrape")
        since = timezone.now() - timedelta(days=30)
        try:
            families = [family for config in apps.get_app_configs()
                        for family in getattr(config, "metric_families", _none)(since)]
        except DatabaseError:
            up.add_metric([], 0)  # the request metrics still answer; the database's say it is down
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families


def _none(since):
    return ()


@csrf_exempt
def metrics_view(request):
    token = settings.SAPA_METRICS_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("token required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="sapa-metrics"'
        return response
    registry = CollectorRegistry()
    if settings.PROMETHEUS_MULTIPROC_DIR:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
        registry.register(LIVE_STREAMS)
    registry.register(DatabaseCollector())
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
