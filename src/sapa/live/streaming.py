"""The Server-Sent Events response of a board (used by the public and the staff stream views).

A stream:
1. reads the event's current update number, subscribes to the hub, and reads
   the log rows the client missed (after its Last-Event-ID header, or the
   `after` number the page was rendered with); a gap larger than CATCHUP_MAX,
   or a number the log does not know, gets a `reload` event instead;
2. closes its database connections (a stream must hold neither a connection
   nor a transaction);
3. sends the missed rows, then each new update as the hub hands it over, a
   comment every HEARTBEAT_SECONDS, and ends after SAPA_LIVE_STREAM_SECONDS
   (the browser's EventSource reconnects by itself, sending Last-Event-ID).
"""

import queue
import time

from django.conf import settings
from django.db import connections
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy

from sapa.core.metrics import LIVE_STREAMS
from sapa.core.net import client_ip
from sapa.live.hub import END, RELOAD, RELOAD_EVENT, StreamsFull, hub, sse
from sapa.live.models import Update
from sapa.live.services import current_seq

HEARTBEAT_SECONDS = 15.0
CATCHUP_MAX = 300
RETRY_MS = 2000

# The answer when a cap of sapa.live.hub.StreamsFull is reached: the board's page still
# works without its live updates (reload it to see new questions).
FULL_ANSWERS = {
    "address": (429, gettext_lazy(
        "Too many live-board connections from your network. Close the board in other tabs or "
        "devices, or reload the page to see new questions.")),
    "event": (503, gettext_lazy(
        "This board has as many live viewers as this server takes for one event. Reload the page "
        "to see new questions; live updates will resume when a place frees up.")),
    "process": (503, gettext_lazy(
        "The server is busy with live boards. Reload the page to see new questions; live updates "
        "will resume when a place frees up.")),
}


def last_event_id(request) -> int | None:
    for raw in (request.headers.get("Last-Event-ID"), request.GET.get("after")):
        if raw is not None:
            try:
                value = int(raw)
            except ValueError:
                continue
            if value >= 0:
                return value
    return None


def catch_up(event_id: int, last: int | None, seq_now: int) -> list | None:
    """The rows after `last` (None: nothing to catch up), or None when the client must reload."""
    if last is None or last == seq_now:
        return []
    if last > seq_now or seq_now - last > CATCHUP_MAX:
        return None
    rows = list(Update.objects.filter(event_id=event_id, seq__gt=last).order_by("seq")
                .values_list("seq", "kind", "payload"))
    if not rows or rows[0][0] != last + 1:
        return None  # the log no longer holds what the client missed
    return rows


def _release_database() -> None:
    for conn in connections.all(initialized_only=True):
        conn.close()


def _events(sub, rows, last, max_seconds: float, heartbeat: float):
    try:
        _release_database()  # and whatever a middleware may have opened after the view
        yield f"retry: {RETRY_MS}\n: open\n\n".encode()
        if rows is None:
            yield RELOAD_EVENT
            return
        sent = last or 0
        for seq, kind, payload in rows:
            yield sse(seq, kind, payload)
            sent = seq
        deadline = time.monotonic() + max_seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                item = sub.queue.get(timeout=min(heartbeat, remaining))
            except queue.Empty:
                yield b": hb\n\n"
                continue
            if item is RELOAD:
                yield RELOAD_EVENT
                return
            if item is END:  # the server is stopping; the browser reconnects (to another process)
                yield b": bye\n\n"
                return
            seq, text = item
            if seq <= sent:
                continue
            if sent and seq > sent + 1:
                yield RELOAD_EVENT  # a hole the hub cannot fill: start over
                return
            yield text
            sent = seq
    finally:
        hub.unsubscribe(sub)
        LIVE_STREAMS.dec()


def stream_response(request, event_id: int, *, staff: bool = False):
    """The event's update stream (see the module docstring). A staff screen (moderator,
    presenter) is not held to the per-event cap, so a full audience cannot lock out the
    moderator; the per-address and per-process caps hold for everyone."""
    last = last_event_id(request)
    seq_now = current_seq(event_id)
    try:
        sub = hub.subscribe(event_id, seq_now, limit=settings.SAPA_LIVE_STREAMS,
                            per_event=0 if staff else settings.SAPA_LIVE_STREAMS_PER_EVENT,
                            per_address=settings.SAPA_LIVE_STREAMS_PER_ADDRESS, address=client_ip(request))
    except StreamsFull as full:
        _release_database()
        status, message = FULL_ANSWERS[full.reason]
        response = HttpResponse(str(message), status=status, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "15"
        return response
    try:
        rows = catch_up(event_id, last, seq_now)
    except BaseException:
        hub.unsubscribe(sub)
        raise
    _release_database()
    LIVE_STREAMS.inc()  # sapa.core.metrics; the stream's generator takes it back when it ends
    response = StreamingHttpResponse(
        _events(sub, rows, last if last is not None else seq_now, settings.SAPA_LIVE_STREAM_SECONDS,
                HEARTBEAT_SECONDS),
        content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"
    # Under granian (sapa.server) the stream is driven on the event loop from these, and the
    # generator above is never started; under plain WSGI the generator does the same work.
    response.sapa_live = {"sub": sub, "rows": rows, "last": last if last is not None else seq_now,
                          "max_seconds": settings.SAPA_LIVE_STREAM_SECONDS, "heartbeat": HEARTBEAT_SECONDS}
    return response
