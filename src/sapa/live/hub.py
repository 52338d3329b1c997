"""Live updates: the per-process hub that feeds the open Server-Sent Events streams.

The update log (sapa.live.models.Update) is the truth; this module only tells
each process's open streams what was added to it.

- Each web process has one hub with one listener thread. A stream subscribes
  to its event; the listener learns that an event has new updates, reads them
  from the log once (one query for the whole process) and puts them in every
  subscribed stream's queue.
- How the listener learns it: with REDIS_URL, a Redis pub/sub message
  ("<event id>:<seq>") that `publish` sends after each commit, from any
  process on any machine (and a safety check every SAFETY_SECONDS, should a
  message be lost); without Redis, it polls the subscribed events' Board rows
  (`last_seq`, one indexed query) every POLL_SECONDS, and at once when the
  change was made in this very process. Granian runs several worker processes,
  so an in-memory broadcast alone would miss the streams of the other workers.
- A stream never holds a database connection: the view reads what it needs,
  closes its connections, and the generator only waits on its queue.
"""

import asyncio
import json
import logging
import queue
import threading
import time

from django.conf import settings
from django.db import connection

from sapa.live.models import Board, Update

logger = logging.getLogger(__name__)

CHANNEL = "sapa:live"
POLL_SECONDS = 0.25
SAFETY_SECONDS = 5.0
IDLE_SECONDS = 5.0
FETCH_LIMIT = 500
QUEUE_LIMIT = 1000
RELOAD = object()
END = object()


class StreamsFull(Exception):
    """No stream for this request: `reason` says which cap was reached.

    "process": this process holds SAPA_LIVE_STREAMS streams; "event": the event holds
    SAPA_LIVE_STREAMS_PER_EVENT of them (so one event cannot take every stream and starve
    the other libraries' events); "address": the client's address holds
    SAPA_LIVE_STREAMS_PER_ADDRESS (so one visitor cannot take them all)."""

    def __init__(self, reason: str = "process"):
        super().__init__(reason)
        self.reason = reason


def sse(seq: int, kind: str, payload: dict) -> bytes:
    """One Server-Sent Event: `id` is the update's number, `data` its JSON."""
    data = json.dumps({"seq": seq, "kind": kind, **payload}, ensure_ascii=False, separators=(",", ":"))
    return f"id: {seq}\ndata: {data}\n\n".encode()


RELOAD_EVENT = b"event: reload\ndata: {}\n\n"


class Subscriber:
    __slots__ = ("address", "event_id", "queue")

    def __init__(self, event_id: int, address: str = ""):
        self.event_id = event_id
        self.address = address
        self.queue: queue.SimpleQueue = queue.SimpleQueue()


class _LoopPost:
    """Hands items from the hub's thread to one event loop, one wake-up per batch.

    The hub puts an update into thousands of inboxes at once; waking the loop once per
    item would be thousands of system calls. Items wait in a list; the first one of a
    batch schedules the loop's flush.
    """

    def __init__(self, loop):
        self.loop = loop
        self.lock = threading.Lock()
        self.pending: list = []

    def post(self, inbox, item) -> None:
        with self.lock:
            self.pending.append((inbox, item))
            if len(self.pending) > 1:
                return
        try:
            self.loop.call_soon_threadsafe(self.flush)
        except RuntimeError:  # the loop is closed: the process is stopping
            pass

    def flush(self) -> None:
        with self.lock:
            batch, self.pending = self.pending, []
        for inbox, item in batch:
            inbox._queue.put_nowait(item)


_loop_posts: dict = {}


class AsyncInbox:
    """A subscriber's queue read by a coroutine (sapa.server), filled by the hub's thread."""

    __slots__ = ("_post", "_queue", "_size")

    def __init__(self, loop):
        post = _loop_posts.get(loop)
        if post is None:
            post = _loop_posts[loop] = _LoopPost(loop)
        self._post = post
        self._queue = asyncio.Queue()
        self._size = 0

    def put(self, item) -> None:
        self._size += 1
        self._post.post(self, item)

    def get_nowait(self):
        raise queue.Empty

    def qsize(self) -> int:
        return self._size

    async def get(self):
        item = await self._queue.get()
        self._size -= 1
        return item


class Hub:
    def __init__(self):
        self._lock = threading.Lock()
        self._subs: dict[int, set[Subscriber]] = {}
        self._known: dict[int, int] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._count = 0
        self._by_address: dict[str, int] = {}
        self._stopping = False
        self.checks = 0  # how many times the listener looked (for tests and the bench)

    @property
    def stream_count(self) -> int:
        return self._count

    def subscribe(self, event_id: int, seq_now: int, limit: int = 0, *, per_event: int = 0,
                  per_address: int = 0, address: str = "") -> Subscriber:
        """Start receiving the event's updates numbered above `seq_now` (read just before).

        Raises StreamsFull when the process holds `limit` streams, the event `per_event`,
        or `address` `per_address` (0: no such cap); checked and counted under one lock."""
        sub = Subscriber(event_id, address)
        with self._lock:
            if per_address and self._by_address.get(address, 0) >= per_address:
                raise StreamsFull("address")
            if per_event and len(self._subs.get(event_id, ())) >= per_event:
                raise StreamsFull("event")
            if limit and self._count >= limit:
                raise StreamsFull("process")
            subs = self._subs.setdefault(event_id, set())
            if not subs:
                self._known[event_id] = seq_now
            subs.add(sub)
            self._count += 1
            self._by_address[address] = self._by_address.get(address, 0) + 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sapa-live-hub", daemon=True)
                self._thread.start()
        self._wake.set()
        return sub

    def to_async(self, sub: Subscriber, loop) -> "AsyncInbox":
        """Deliver the subscriber's updates to an asyncio queue on `loop` (sapa.server) from now on."""
        inbox = AsyncInbox(loop)
        with self._lock:
            old, sub.queue = sub.queue, inbox
            while True:  # what arrived before the switch, in order
                try:
                    inbox.put(old.get_nowait())
                except queue.Empty:
                    break
        return inbox

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            subs = self._subs.get(sub.event_id)
            if subs is not None and sub in subs:
                subs.discard(sub)
                self._count -= 1
                left = self._by_address.get(sub.address, 1) - 1
                if left > 0:
                    self._by_address[sub.address] = left
                else:
                    self._by_address.pop(sub.address, None)
                if not subs:
                    del self._subs[sub.event_id]
                    self._known.pop(sub.event_id, None)

    def wake(self) -> None:
        self._wake.set()

    def end_streams(self, wait: float = 0.0) -> None:
        """Tell every open stream of this process to end (they send a last comment and return).

        With `wait`, give them up to that many seconds to finish: the server must still be
        serving their responses when they send their last bytes, so a stop waits here
        before it starts the server's own shutdown (sapa.live.serving).
        """
        with self._lock:
            open_now = [sub for subs in self._subs.values() for sub in subs]
        for sub in open_now:
            sub.queue.put(END)
        deadline = time.monotonic() + wait
        while self._count and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self, timeout: float = 5) -> None:
        """End the listener thread (it closes its database connection); tests use this."""
        thread = self._thread
        if thread is None:
            return
        self._stopping = True
        self._wake.set()
        thread.join(timeout)
        self._thread = None
        self._stopping = False

    # --- the listener thread -------------------------------------------------------------

    def _run(self) -> None:
        pubsub = None
        last_check = 0.0
        redis_retry_at = 0.0
        try:
            while not self._stopping:
                try:
                    if settings.REDIS_URL and pubsub is None and time.monotonic() >= redis_retry_at:
                        pubsub = self._subscribe_redis()
                        if pubsub is None:
                            redis_retry_at = time.monotonic() + SAFETY_SECONDS
                    if pubsub is not None:
                        try:
                            message = pubsub.get_message(timeout=1.0)
                            got = message is not None
                            while message is not None:  # several at once: one look is enough
                                message = pubsub.get_message(timeout=0)
                        except Exception:  # noqa: BLE001 - Redis went away: poll until it is back
                            logger.warning("live updates: Redis pub/sub failed; polling the database")
                            _close_quietly(pubsub)
                            pubsub, got = None, True
                            redis_retry_at = time.monotonic() + SAFETY_SECONDS
                        if not got and time.monotonic() - last_check < SAFETY_SECONDS:
                            continue
                    else:
                        # No Redis (or Redis down): poll the subscribed events' numbers.
                        self._wake.wait(POLL_SECONDS if self._subs else IDLE_SECONDS)
                        self._wake.clear()
                    if self._subs and not self._stopping:
                        last_check = time.monotonic()
                        self.check()
                        if connection.settings_dict.get("OPTIONS", {}).get("pool"):
                            connection.close()  # back to the process's pool (PostgreSQL) until the next look
                except Exception:  # noqa: BLE001 - the listener must outlive a database restart
                    logger.exception("live updates: the listener failed; retrying in a second")
                    connection.close()
                    time.sleep(1)
        finally:
            _close_quietly(pubsub)
            connection.close()

    @staticmethod
    def _subscribe_redis():
        try:
            pubsub = _redis_client().pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(CHANNEL)
            return pubsub
        except Exception:  # noqa: BLE001 - polled meanwhile; tried again in SAFETY_SECONDS
            logger.warning("live updates: cannot subscribe to Redis; polling the database meanwhile")
            return None

    def check(self) -> int:
        """Read the log's new rows for the subscribed events and hand them out; how many."""
        self.checks += 1
        with self._lock:
            known = dict(self._known)
        if not known:
            return 0
        latest = dict(Board.objects.filter(event_id__in=list(known)).values_list("event_id", "last_seq"))
        sent = 0
        for event_id, seq in latest.items():
            if seq <= known[event_id]:
                continue
            rows = list(Update.objects.filter(event_id=event_id, seq__gt=known[event_id])
                        .order_by("seq").values_list("seq", "kind", "payload")[:FETCH_LIMIT])
            if not rows:
                continue
            items = [(s, sse(s, kind, payload)) for s, kind, payload in rows]
            with self._lock:
                if self._known.get(event_id, 0) >= items[-1][0]:
                    continue
                self._known[event_id] = items[-1][0]
                for sub in self._subs.get(event_id, ()):
                    if sub.queue.qsize() > QUEUE_LIMIT:
                        sub.queue.put(RELOAD)
                        continue
                    for item in items:
                        sub.queue.put(item)
            sent += len(items)
        return sent


def _close_quietly(pubsub) -> None:
    if pubsub is None:
        return
    try:
        pubsub.close()
    except Exception:  # noqa: BLE001, S110 - closing a broken connection
        pass


def _redis_client():
    # inside: optional: only with REDIS_URL
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, health_check_interval=30)


_publisher = None


def publish(event_id: int, seq: int) -> None:
    """After a commit: tell every process that the event has update `seq` (see the module doc)."""
    global _publisher
    if settings.REDIS_URL:
        try:
            if _publisher is None:
                _publisher = _redis_client()
            _publisher.publish(CHANNEL, f"{event_id}:{seq}")
        except Exception:  # noqa: BLE001 - the safety check delivers it within SAFETY_SECONDS
            logger.warning("live updates: could not publish to Redis", exc_info=True)
            _publisher = None
    hub.wake()


hub = Hub()
