"""The application granian serves (`--interface rsgi sapa.server:app`); decision 6.

Pages run in Django as before, synchronously, on a pool of SAPA_WEB_THREADS threads
per process: this module turns granian's RSGI request into a WSGI environ, calls
Django's WSGI handler in the pool, and hands the answer back to granian. The live
board's streams (Server-Sent Events) are the exception: Django's view checks who may
listen and subscribes to the hub as before (sapa.live.streaming), then the stream is
driven here on the event loop, a few hundred bytes of state each, instead of holding
a thread for as long as the screen stays open. 5,000 open screens on one 2-core
machine cost 5,000 small coroutines, not 5,000 threads (docs/live.md).

Under WSGI (tests' Django client, `sapa.wsgi`), the same stream is the view's
generator: nothing here is needed for correctness, only for the number of screens.
"""

import asyncio
import io
import logging
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sapa.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

logger = logging.getLogger("sapa.server")

_HEADER_JOIN = {"cookie": "; "}
_NO_BODY_STATUSES = {204, 304}


def _split_host(value: str, default_port: str) -> tuple[str, str]:
    if value.startswith("["):  # [::1]:8000
        host, _, rest = value[1:].partition("]")
        return host, rest.lstrip(":") or default_port
    host, _, port = value.rpartition(":")
    if not host:
        return value, default_port
    return host, port or default_port


def build_environ(scope, body: bytes) -> dict:
    """The WSGI environ of an RSGI request (PEP 3333)."""
    server_name, server_port = _split_host(scope.server or "127.0.0.1:80", "80")
    client_addr, client_port = _split_host(scope.client or "", "0")
    path = scope.path
    environ = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        # WSGI carries the path as bytes decoded as latin-1 (PEP 3333, "unicode issues").
        "PATH_INFO": path.encode("utf-8", "surrogateescape").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": client_addr,
        "REMOTE_PORT": client_port,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope.headers.items():
        name = name.lower()
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
            continue
        if name == "content-length":
            environ["CONTENT_LENGTH"] = value
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in environ:
            environ[key] += _HEADER_JOIN.get(name, ", ") + value
        else:
            environ[key] = value
    if body and "CONTENT_LENGTH" not in environ:  # a chunked upload: granian has read it whole
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


class SapaApp:
    """granian's RSGI application: Django in a thread pool, live streams on the loop."""

    def __init__(self):
        self.django = get_wsgi_application()
        # inside: apps not ready at import (granian loads this module before get_wsgi_application)
        from django.conf import settings

        self.threads = settings.SAPA_PAGE_THREADS
        self.pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="sapa-page")
        self.loop = None

    # granian calls these in each worker process around its event loop's life.
    def __rsgi_init__(self, loop):
        self.loop = loop

    def __rsgi_del__(self, loop):
        # inside: apps not ready at import (granian loads this module before get_wsgi_application)
        from sapa.live.hub import hub

        hub.end_streams(wait=0)
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _call(self, environ):
        """Run the request through Django (in a pool thread); the answer, buffered unless streamed."""
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = headers
            return lambda data: None  # the legacy write(): Django never uses it

        response = self.django(environ, start_response)
        live = getattr(response, "sapa_live", None)
        if live is not None:
            response.close()  # the request is over for Django (request_finished)
            return captured["status"], captured["headers"], None, None, live
        if getattr(response, "streaming", False):
            return captured["status"], captured["headers"], None, response, None
        try:
            body = b"".join(response)
        finally:
            response.close()
        return captured["status"], captured["headers"], body, None, None

    @staticmethod
    def _next_chunk(iterator):
        """Up to ~64 KB of the streamed body (one thread hop per batch, not per 8 KB block)."""
        parts, size = [], 0
        for chunk in iterator:
            if chunk:
                parts.append(chunk if isinstance(chunk, bytes) else bytes(chunk))
                size += len(parts[-1])
                if size >= 65536:
                    break
        return b"".join(parts) if parts else None

    async def __rsgi__(self, scope, proto):
        if scope.proto != "http":
            return  # no websockets
        body = await proto()
        loop = asyncio.get_running_loop()
        environ = build_environ(scope, body)
        try:
            status, headers, content, streamed, live = await loop.run_in_executor(self.pool, self._call, environ)
        except Exception:  # noqa: BLE001 - Django answers its own errors; this is the bridge failing
            logger.exception("sapa.server: the request could not be handled")
            proto.response_bytes(500, [("content-type", "text/plain; charset=utf-8")], b"Server error\n")
            return
        if live is not None:
            await self._live(proto, status, headers, live)
            return
        if streamed is None:
            if status in _NO_BODY_STATUSES or scope.method == "HEAD":
                proto.response_bytes(status, headers, b"")
            else:
                proto.response_bytes(status, headers, content)
            return
        transport = proto.response_stream(status, headers)
        iterator = iter(streamed)
        try:
            while True:
                chunk = await loop.run_in_executor(self.pool, self._next_chunk, iterator)
                if chunk is None:
                    break
                await transport.send_bytes(chunk)
        except Exception:  # noqa: BLE001 - the client went away mid-download
            pass
        finally:
            await loop.run_in_executor(self.pool, streamed.close)

    async def _live(self, proto, status, headers, live):
        """Drive a live-board stream on the event loop (sapa.live.streaming.stream_response)."""
        # inside: apps not ready at import (granian loads this module before get_wsgi_application)
        from sapa.core.metrics import LIVE_STREAMS
        from sapa.live.hub import END, RELOAD, RELOAD_EVENT, hub, sse
        from sapa.live.streaming import RETRY_MS

        sub = live["sub"]
        inbox = hub.to_async(sub, asyncio.get_running_loop())
        transport = proto.response_stream(status, headers)
        try:
            await transport.send_bytes(f"retry: {RETRY_MS}\n: open\n\n".encode())
            rows = live["rows"]
            if rows is None:
                await transport.send_bytes(RELOAD_EVENT)
                return
            sent = live["last"] or 0
            for seq, kind, payload in rows:
                await transport.send_bytes(sse(seq, kind, payload))
                sent = seq
            deadline = time.monotonic() + live["max_seconds"]
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                try:
                    item = await asyncio.wait_for(inbox.get(), timeout=min(live["heartbeat"], remaining))
                except TimeoutError:
                    await transport.send_bytes(b": hb\n\n")
                    continue
                if item is RELOAD:
                    await transport.send_bytes(RELOAD_EVENT)
                    return
                if item is END:
                    await transport.send_bytes(b": bye\n\n")
                    return
                seq, text = item
                if seq <= sent:
                    continue
                if sent and seq > sent + 1:
                    await transport.send_bytes(RELOAD_EVENT)
                    return
                await transport.send_bytes(text)
                sent = seq
        except Exception:  # noqa: BLE001, S110 - the screen went away (closed tab, lost signal)
            pass
        finally:
            hub.unsubscribe(sub)
            LIVE_STREAMS.dec()


app = SapaApp()
