"""Sapa's URLs plus /bench/stream (see sse_settings.py); used by bench/serving.py only."""

import asyncio
import time

from django.http import StreamingHttpResponse
from django.urls import path

from sapa.urls import urlpatterns as sapa_urlpatterns

PING_SECONDS = 5
MAX_SECONDS = 600


def _sync_stream():
    started = time.monotonic()
    yield b": open\n\n"
    while time.monotonic() - started < MAX_SECONDS:
        time.sleep(PING_SECONDS)
        yield b": ping\n\n"


async def _async_stream():
    started = time.monotonic()
    yield b": open\n\n"
    while time.monotonic() - started < MAX_SECONDS:
        await asyncio.sleep(PING_SECONDS)
        yield b": ping\n\n"


def stream(request):
    # One view for both interfaces: the async iterator under ASGI, the sync one under WSGI
    # (each is what a real SSE view would use under that interface).
    body = _async_stream() if request.META.get("wsgi.version") is None else _sync_stream()
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    return response


urlpatterns = [path("bench/stream", stream), *sapa_urlpatterns]
