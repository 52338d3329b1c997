"""Site-wide middleware: how many requests run at once, the language rule and security headers."""

import logging
import threading
from collections import deque

from django.conf import settings
from django.utils import translation

logger = logging.getLogger(__name__)

# Public pages load nothing from elsewhere: scripts, styles, images and forms
# all stay on this origin.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


class LanguageMiddleware:
    """Indonesian unless the visitor chose otherwise with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language; most of our
    users' phones say English while they read Indonesian, so only an explicit
    choice counts: the language cookie that the switch (/i18n/setlang/) sets.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if lang not in self.supported:
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        patch_vary = response.headers.get("Vary", "")
        if "Cookie" not in patch_vary:
            response.headers["Vary"] = f"{patch_vary}, Cookie" if patch_vary else "Cookie"
        translation.deactivate()
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy and a few headers Django 5.2 does not set itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class ConcurrencyLimitMiddleware:
    """At most settings.SAPA_PAGE_THREADS requests of this process run at once; the others wait.

    The web server has many blocking threads per process (sapa.cli: the page
    threads plus one per live-board stream, SSE, which holds its thread while
    it streams), but ordinary requests run best a few at a time: with more,
    they only fight over the GIL and the CPU, and the thread that holds an
    event's lock during a registration waits for the GIL behind them
    (docs/benchmarks.md). The permit is taken before the view and given back
    when it returns its response: a stream's long body, sent afterwards, holds
    none. A waiting request holds no database connection (Django opens one at
    the first query; on PostgreSQL it comes from the process's pool, see
    settings.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permits = FairPermits(max(settings.SAPA_PAGE_THREADS, 1))

    def __call__(self, request):
        self.permits.acquire()
        try:
            return self.get_response(request)
        finally:
            self.permits.release()


class FairPermits:
    """A semaphore that serves its waiters in order of arrival.

    threading.Semaphore lets a newcomer take a permit before a waiter it has
    just woken: under a rush some requests kept losing and waited many times
    longer than the rest (the benchmark's p99). Here a permit given back goes
    straight to the longest waiter.
    """

    def __init__(self, permits: int):
        self._free = permits
        self._lock = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self) -> None:
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by the release() that hands this waiter its permit

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._free += 1


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached or written (PostgreSQL restarting, the SQLite data
    folder read-only, a full disk) answers 503 with Retry-After and a short page in the
    visitor's language, not a server error. The transaction was rolled back: nothing of the
    request was saved, and sending it again is safe (a registration is never made twice)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError
        from django.http import HttpResponse, JsonResponse
        from django.utils.html import escape
        from django.utils.translation import gettext as _

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
        message = _("Sapa cannot reach its database for a moment. Nothing was saved; please try again "
                    "in a minute.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message, "code": "unavailable"}, status=503)
        else:
            title = _("Try again in a minute")
            response = HttpResponse(
                f'<!doctype html><html lang="{escape(translation.get_language() or "id")}"><head>'
                f'<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
                f"<p>{escape(message)}</p></main></body></html>", status=503)
        response["Retry-After"] = "30"
        return response
