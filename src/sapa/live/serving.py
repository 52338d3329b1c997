"""Open streams must not hold up a server that is asked to stop.

Under granian (WSGI) a worker that gets SIGTERM stops accepting and waits for its
requests to finish; an open live-board stream finishes only after minutes
(SAPA_LIVE_STREAM_SECONDS), so `sapa run` would give up after 15 s and kill it.
So, in each granian worker, the stop signal first tells this process's streams
to end (they send a last comment; browsers reconnect, to another process or
after the restart, and catch up from the log), then runs granian's own handler.

Granian installs its handlers in the worker's main thread after it has loaded
the application (sapa.wsgi, which runs LiveConfig.ready()), through
granian._signals.set_sync_signals; we wrap that function. If a granian version
no longer has it, nothing is wrapped and a stop simply waits as before.
"""

import logging
import signal
import sys

from sapa.live.hub import hub

logger = logging.getLogger(__name__)


def end_streams_on_stop() -> bool:
    """Wrap granian's worker signal set-up (only when running under granian); True if wrapped."""
    if "granian" not in sys.modules:
        return False
    try:
        # inside: optional: tried, with a fallback
        import granian._signals as granian_signals

        original = granian_signals.set_sync_signals
    except (ImportError, AttributeError):
        logger.warning("live updates: granian's signal set-up not found; a stop waits for open streams")
        return False
    if getattr(original, "sapa_live", False):
        return True

    def set_sync_signals(*args, **kwargs):
        event = original(*args, **kwargs)
        ending = []  # not empty while a handler runs: signals nest in the main thread
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)

            def handler(signum, frame, previous=previous):
                # A stop sends SIGTERM twice (to the process group, then from granian's
                # main process); the second arrives inside the first handler. The first
                # one ends the streams and then starts granian's shutdown.
                if ending:
                    return
                ending.append(signum)
                try:
                    # Before granian starts its shutdown: once it has, it no longer drives
                    # the streams' responses, and they would hold the stop until it is killed.
                    hub.end_streams(wait=3)
                finally:
                    if callable(previous):
                        previous(signum, frame)

            signal.signal(sig, handler)
        return event

    set_sync_signals.sapa_live = True
    granian_signals.set_sync_signals = set_sync_signals

    original_loop = getattr(granian_signals, "set_loop_signals", None)
    if original_loop is not None and not getattr(original_loop, "sapa_live", False):
        def set_loop_signals(loop, *args, **kwargs):
            # The RSGI worker (sapa.server): streams run on the loop. A stop first tells
            # them to end (each sends its last comment), then, a second later, lets
            # granian's own shutdown begin.

            event = original_loop(loop, *args, **kwargs)
            ending = []

            def handler(signum, frame=None):
                if ending:
                    return
                ending.append(signum)
                hub.end_streams(wait=0)
                loop.call_later(1.0, event.set)

            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    loop.add_signal_handler(sig, handler, sig, None)
                except (NotImplementedError, RuntimeError):
                    signal.signal(sig, handler)
            return event

        set_loop_signals.sapa_live = True
        granian_signals.set_loop_signals = set_loop_signals
    return True
