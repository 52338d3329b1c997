"""Health check and small site-wide pages."""

import logging
import os
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.static import serve
from huey.contrib.djhuey import HUEY

from sapa.core import workers
from sapa.core.models import RateLimitCounter
from sapa.core.uploads import content_disposition_inline

log = logging.getLogger(__name__)
HEALTH_KEY = "sapa:healthz"
# /healthz is public: it says whether each part answers, never why not (an error's
# text names hosts, users and versions); the reason goes to the log.
UNAVAILABLE = "unavailable"


def _check_database() -> dict:
    """Read and write: a database that answers but cannot write (a read-only data folder,
    a full disk, a standby) is not healthy. The answer names no error (logged instead)."""
    started = time.perf_counter()
    try:
        with transaction.atomic():
            if not RateLimitCounter.objects.filter(key=HEALTH_KEY).update(
                    expires_at=timezone.now() + timedelta(days=1)):
                RateLimitCounter.objects.get_or_create(
                    key=HEALTH_KEY, defaults={"expires_at": timezone.now() + timedelta(days=1)})
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
        log.warning("healthz: the database cannot write: %s: %s", type(exc).__name__, exc)
        return {"ok": False, "error": UNAVAILABLE}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 2)}


def _check_queue() -> dict:
    started = time.perf_counter()
    key = f"{HEALTH_KEY}:{os.getpid()}"
    try:
        HUEY.storage.put_data(key, b"1")
        HUEY.storage.pop_data(key)
        pending = HUEY.storage.queue_size()
    except Exception as exc:  # noqa: BLE001
        log.warning("healthz: the job queue cannot write: %s: %s", type(exc).__name__, exc)
        return {"ok": False, "error": UNAVAILABLE}
    return {"ok": True, "backend": type(HUEY).__name__, "pending": pending,
            "ms": round((time.perf_counter() - started) * 1000, 2)}


def _check_workers() -> dict:
    try:
        seen = workers.last_seen()
    except Exception:  # noqa: BLE001 - the database check says why
        return {"ok": False, "error": UNAVAILABLE}
    return {"ok": seen["alive"] > 0, **seen}


@never_cache
def healthz(request):
    """200 when the database and the job queue answer and take a write, 503 otherwise.

    The workers are reported (not counted: a web machine is healthy without them);
    /healthz/worker is the check for monitoring them."""
    checks = {"database": _check_database(), "queue": _check_queue()}
    healthy = all(c["ok"] for c in checks.values())
    checks["workers"] = _check_workers()
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks},
                        status=200 if healthy else 503)


@never_cache
def healthz_worker(request):
    """200 when a worker beat recently (sapa.core.workers), 503 when none did."""
    workers = _check_workers()
    return JsonResponse({"status": "ok" if workers["ok"] else "no worker", "workers": workers},
                        status=200 if workers["ok"] else 503)


# Folders of MEDIA_ROOT that are public by nature: posters, speaker photos, logos,
# news photos, and social media images (which the networks fetch by URL).
# Everything else (certificates' PDFs, say) is served by its app's own views,
# which check who asks.
PUBLIC_MEDIA_PREFIXES = ("events/", "logos/", "news/", "social/")


def media(request, path):
    """Uploaded files on one machine (local storage). With S3 the bucket serves them.

    Every answer carries `nosniff`; only images and videos of the accepted types
    (by the stored name's extension, which sapa.core.uploads chose from the
    content) are shown inline. Anything else (a file stored under its uploader's
    name before names were random, say `x.html`) is an attachment of type
    application/octet-stream, so it never runs on this origin.
    """
    if not path.startswith(PUBLIC_MEDIA_PREFIXES) or ".." in path.split("/"):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if not content_disposition_inline(response.get("Content-Type", "")):
        response["Content-Type"] = "application/octet-stream"
        response["Content-Disposition"] = "attachment"
        response.headers.pop("Content-Encoding", None)
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _error_page(request, template: str, status: int):
    response = render(request, template, status=status)
    response["Cache-Control"] = "no-store"
    return response


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a styled page in the visitor's language that says what to do.

    The form's security token was missing or stale (an old tab, a page served
    before the visitor logged in, cookies blocked): reloading the page gives a fresh one.
    """
    return _error_page(request, "403_csrf.html", 403)

