"""Rate limits count across processes: on the database, or on Redis when REDIS_URL is set."""

import time
from unittest import mock

from django.conf import settings

from sapa.core import ratelimit
from sapa.core.models import RateLimitCounter

LIMIT = ratelimit.Limit("test", attempts=3, window=60)


def test_counts_per_identity_and_resets(db):
    assert [ratelimit.hit(LIMIT, "a") for _ in range(3)] == [1, 2, 3]
    assert ratelimit.peek(LIMIT, "a") == 3
    assert ratelimit.peek(LIMIT, "b") == 0
    assert ratelimit.is_limited(LIMIT, "a") is True
    assert ratelimit.is_limited(LIMIT, "b") is False
    ratelimit.reset(LIMIT, "a")
    assert ratelimit.peek(LIMIT, "a") == 0


def test_a_new_window_starts_from_zero(db):
    now = time.time()
    with mock.patch("sapa.core.ratelimit.time.time", return_value=now - 120):
        for _ in range(5):
            ratelimit.hit(LIMIT, "a")
    assert ratelimit.peek(LIMIT, "a") == 0
    assert ratelimit.is_limited(LIMIT, "a") is False


def test_finished_windows_are_purged(db):
    now = time.time()
    with mock.patch("sapa.core.ratelimit.time.time", return_value=now - 3600):
        ratelimit.hit(LIMIT, "old")
    ratelimit.hit(LIMIT, "new")
    purged = ratelimit.purge_expired()
    if settings.REDIS_URL:
        assert purged == 0  # Redis expires its keys itself
        from django_redis import get_redis_connection

        redis = get_redis_connection("default")
        keys = redis.keys("rl:test:*")
        assert len(keys) == 1 and 0 < redis.ttl(keys[0]) <= LIMIT.window + 1
    else:
        assert purged == 1
        assert RateLimitCounter.objects.count() == 1
    # The worker purges them every quarter of an hour.
    from sapa.core.tasks import purge_rate_limits

    purge_rate_limits.call_local()
    assert ratelimit.peek(LIMIT, "new") == 1


OTHER = ratelimit.Limit("other", attempts=2, window=600)


def test_hit_many_counts_each_limit_with_one_write_like_hit(db):
    ratelimit.hit(LIMIT, "a")
    assert ratelimit.hit_many([(LIMIT, "a"), (OTHER, "x")]) == [2, 1]
    assert ratelimit.hit_many([(OTHER, "x"), (LIMIT, "a")]) == [2, 3]
    assert ratelimit.peek(LIMIT, "a") == 3 and ratelimit.peek(OTHER, "x") == 2
    assert ratelimit.hit_many([]) == []


def test_hit_many_races_count_every_attempt(transactional_db):
    """Threads counting both limits at once: no attempt lost on either (real database)."""
    import threading

    from django.db import connection

    def worker():
        try:
            for _ in range(10):
                ratelimit.hit_many([(LIMIT, "race"), (OTHER, "race")])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ratelimit.peek(LIMIT, "race") == 60
    assert ratelimit.peek(OTHER, "race") == 60
