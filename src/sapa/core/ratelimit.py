"""Fixed-window rate limits that hold across processes.

On Redis when REDIS_URL is set (INCR + EXPIRE), otherwise one atomic UPSERT on
the database. Both count an attempt and answer whether it is over the limit in
one round trip, so that racing processes cannot both slip under it.

When Redis does not answer, a limit lets the request through (and logs it):
registration and staff login keep working on the database alone; a limit
that refuses everyone would be the outage itself.
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, models, transaction

from sapa.core.models import RateLimitCounter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window: int  # seconds


def _key(limit: Limit, ident: str, now: float) -> tuple[str, int]:
    window_index = int(now // limit.window)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"rl:{limit.scope}:{digest}:{window_index}", (window_index + 1) * limit.window


def _redis():
    # inside: optional: only with REDIS_URL
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def hit(limit: Limit, ident: str) -> int:
    """Count one attempt and return the count in the current window."""
    return hit_many([(limit, ident)])[0]


def hit_many(pairs: list[tuple[Limit, str]]) -> list[int]:
    """Count one attempt under each (limit, ident) at once; the counts, in the same order.

    One round trip (a Redis pipeline, or one multi-row UPSERT in one transaction):
    a registration counts its address and its email with one write, not two.
    """
    now = time.time()
    keys = [_key(limit, ident, now) for limit, ident in pairs]
    if not keys:
        return []
    if len({key for key, _ in keys}) != len(keys):
        raise ValueError("hit_many: each (limit, ident) once")
    if settings.REDIS_URL:
        try:
            pipe = _redis().pipeline()
            for key, window_end in keys:
                pipe.incr(key)
                pipe.expireat(key, window_end + 1)
            answers = pipe.execute()
        except Exception as exc:  # noqa: BLE001 - redis-py's errors: let the request through
            log.warning("rate limit %s not counted: Redis does not answer (%s)",
                        ", ".join(limit.scope for limit, _ in pairs), exc)
            return [0] * len(pairs)
        return [int(count) for count in answers[::2]]
    table = RateLimitCounter._meta.db_table
    rows = ", ".join(["(%s, 1, %s)"] * len(keys))
    params = [value for key, window_end in keys
              for value in (key, datetime.fromtimestamp(window_end, tz=UTC))]
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {table} (key, count, expires_at) VALUES {rows} "  # noqa: S608
                f"ON CONFLICT (key) DO UPDATE SET count = {table}.count + 1 RETURNING key, count",
                params,
            )
            # RETURNING's row order is not guaranteed: match by key.
            counts = dict(cur.fetchall())
    return [int(counts[key]) for key, _ in keys]


def peek(limit: Limit, ident: str) -> int:
    """The count in the current window, without counting."""
    key, _ = _key(limit, ident, time.time())
    if settings.REDIS_URL:
        try:
            value = _redis().get(key)
        except Exception as exc:  # noqa: BLE001
            log.warning("rate limit %s not read: Redis does not answer (%s)", limit.scope, exc)
            return 0
        return int(value or 0)
    row = RateLimitCounter.objects.filter(key=key).values_list("count", flat=True).first()
    return int(row or 0)


def is_limited(limit: Limit, ident: str) -> bool:
    """Count an attempt; True when it goes over the limit."""
    return hit(limit, ident) > limit.attempts


_UNDO_LUA = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"


def undo(limit: Limit, ident: str) -> None:
    """Give back one attempt counted in the current window (never below zero)."""
    key, _ = _key(limit, ident, time.time())
    if settings.REDIS_URL:
        # Only an existing key: a DECR on an expired one would leave -1 without expiry.
        try:
            _redis().eval(_UNDO_LUA, 1, key)
        except Exception as exc:  # noqa: BLE001 - nothing was counted while Redis was away
            log.warning("rate limit %s not given back: Redis does not answer (%s)", limit.scope, exc)
        return
    RateLimitCounter.objects.filter(key=key, count__gt=0).update(count=models.F("count") - 1)


def reset(limit: Limit, ident: str) -> None:
    key, _ = _key(limit, ident, time.time())
    if settings.REDIS_URL:
        try:
            _redis().delete(key)
        except Exception as exc:  # noqa: BLE001 - the window runs out by itself
            log.warning("rate limit %s not reset: Redis does not answer (%s)", limit.scope, exc)
    else:
        RateLimitCounter.objects.filter(key=key).delete()


def purge_expired() -> int:
    """Delete finished windows (database backend only)."""
    if settings.REDIS_URL:
        return 0
    deleted, _ = RateLimitCounter.objects.filter(
        expires_at__lt=datetime.now(tz=UTC) - timedelta(minutes=1)
    ).delete()
    return deleted
