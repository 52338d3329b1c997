"""Settings for bench/serving.py only: Sapa's settings plus one SSE-like test route.

`/bench/stream` opens a response that sends a comment line every few seconds
and never ends (until the client leaves or the 10-minute cap), like the live
board's Server-Sent Events will. Under WSGI it is a sync generator (it holds a
thread while open); under ASGI an async generator (it holds no thread).
"""

from sapa.settings import *  # noqa: F403

ROOT_URLCONF = "sse_urls"
