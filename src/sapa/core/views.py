"""Health check and small site-wide pages."""

import logging
import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

# /healthz is public: it says whether each part answers, never why not (an error's
# text names hosts, users and versions); the reason goes to the log.
UNAVAILABLE = "unavailable"


def _check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception:  # noqa: BLE001 - any failure is "unhealthy"
        logger.exception("healthz: the database does not answer")
        return {"ok": False, "error": UNAVAILABLE}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 2)}


def _check_queue() -> dict:
    from huey.contrib.djhuey import HUEY

    started = time.perf_counter()
    try:
        pending = HUEY.storage.queue_size()
    except Exception:  # noqa: BLE001
        logger.exception("healthz: the job queue does not answer")
        return {"ok": False, "error": UNAVAILABLE}
    return {"ok": True, "backend": type(HUEY).__name__, "pending": pending,
            "ms": round((time.perf_counter() - started) * 1000, 2)}


@never_cache
def healthz(request):
    """200 when the database and the job queue answer, 503 otherwise."""
    checks = {"database": _check_database(), "queue": _check_queue()}
    healthy = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks},
                        status=200 if healthy else 503)


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
    from django.conf import settings
    from django.http import Http404
    from django.views.static import serve

    from sapa.core.uploads import content_disposition_inline

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
    from django.shortcuts import render

    response = render(request, template, status=status)
    response["Cache-Control"] = "no-store"
    return response


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a styled page in the visitor's language that says what to do.

    The form's security token was missing or stale (an old tab, a page served
    before the visitor logged in, cookies blocked): reloading the page gives a fresh one.
    """
    return _error_page(request, "403_csrf.html", 403)

