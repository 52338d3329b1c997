"""Site-wide middleware: how many requests run at once, the language rule and security headers."""

import logging
import threading
from collections import deque
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from sapa.core.errors import error_response

logger = logging.getLogger(__name__)

# Public pages load nothing from elsewhere: scripts, styles, images and forms
# all stay on this origin; with media on S3, images and videos also come from the
# media origin (settings.MEDIA_ORIGINS).
_MEDIA = "".join(f" {origin}" for origin in settings.MEDIA_ORIGINS)
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: blob:{_MEDIA}",
        f"media-src 'self'{_MEDIA}",
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


API_PREFIX = "/api/v1/"
UTF8_CHARSETS = {"utf-8", "utf8", "us-ascii", "ascii"}


class RequestInputMiddleware:
    """Refuses, before any view or the CSRF check reads it, a request whose text cannot be stored.

    - a body in a charset other than UTF-8 (Django would decode a form in it and
      the JSON parser not at all): 415;
    - a query string or a form body that is not valid UTF-8 (Django would store
      U+FFFD in its place), or that carries NUL (PostgreSQL refuses it in text,
      SQLite stores it): 400.
    Each answer says why, in the visitor's language (the API's in its JSON error
    body). Control characters other than NUL are refused per field by the
    forms (sapa.core.inputs), where the visitor sees which field.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self.problem(request)
        if problem is not None:
            status, code, message = problem
            return bad_input_response(request, status, code, message)
        return self.get_response(request)

    def problem(self, request):
        charset = (request.content_params or {}).get("charset", "").strip().strip('"').lower()
        if charset and charset not in UTF8_CHARSETS and request.method in ("POST", "PUT", "PATCH", "DELETE"):
            return 415, "unsupported_charset", _(
                "Send the text in UTF-8: the character set %(charset)s is not supported.") % {"charset": charset[:40]}
        unreadable = _("The request contains characters that could not be read (it is not valid UTF-8, or it "
                       "contains a NUL character). Type the text again, or paste it as plain text.")
        if "\x00" in request.path or not _readable(request.META.get("QUERY_STRING", "").encode("latin-1", "replace")):
            return 400, "unreadable", unreadable
        if request.method in ("POST", "PUT", "PATCH"):
            if request.content_type == "application/x-www-form-urlencoded":
                try:
                    body = request.body
                except Exception:  # noqa: BLE001 (too large: Django answers it as it always did)
                    return None
                if not _readable(body):
                    return 400, "unreadable", unreadable
            elif request.content_type == "multipart/form-data" and not request.path.startswith(API_PREFIX):
                # (The CSRF check parses these forms before the view anyway; the API reads its own body.)
                try:
                    values = [v for values in request.POST.lists() for v in values[1]]
                except Exception:  # noqa: BLE001 (a broken or too large body: the view answers it as before)
                    return None
                if any("\x00" in v or "\ufffd" in v for v in values):
                    return 400, "unreadable", unreadable
        return None


def _readable(raw: bytes) -> bool:
    """Whether an urlencoded string (query string or form body) decodes to UTF-8 text without NUL."""
    for part in raw.replace(b"+", b" ").split(b"&"):
        for piece in part.split(b"=", 1):
            decoded = unquote_to_bytes(piece)
            if b"\x00" in decoded:
                return False
            try:
                decoded.decode("utf-8")
            except UnicodeDecodeError:
                return False
    return True


def bad_input_response(request, status: int, code: str, message: str):
    """The answer to a request refused for its input: the API's JSON error body, or a page."""
    if request.path.startswith(API_PREFIX):
        return error_response(request, status, code, message)
    return render(request, "core/bad_input.html", {"message": message}, status=status)


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
