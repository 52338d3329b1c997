"""Health check and small site-wide pages."""

import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 2)}


def _check_queue() -> dict:
    from huey.contrib.djhuey import HUEY

    started = time.perf_counter()
    try:
        pending = HUEY.storage.queue_size()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
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
    """Uploaded files on one machine (local storage). With S3 the bucket serves them."""
    from django.conf import settings
    from django.http import Http404
    from django.views.static import serve

    if not path.startswith(PUBLIC_MEDIA_PREFIXES) or ".." in path.split("/"):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
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

