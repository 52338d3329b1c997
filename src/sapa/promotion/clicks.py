"""Counting clicks: bots apart, each visitor once a day, no personal data.

A visitor is `HMAC(key_of_the_day, address + browser)`: the key is derived
from SECRET_KEY and the date, so yesterday's hashes cannot be linked to
today's, and nobody can turn a hash back into an address without the secret.
Only the hash and per-day counts are stored; the hashes go after two days.

The write is cheap: with Redis, one Lua call (SET NX of the visitor, HINCRBY of
the day's counter), flushed into the database every minute and before a
dashboard is shown; without Redis, one transaction of an INSERT .. ON CONFLICT
DO NOTHING of the visitor and an UPSERT of the day's counter.
"""

import hashlib
import hmac
import re
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from sapa.core.net import client_ip
from sapa.promotion.models import ClickDay, ClickVisitor, ShortLink

# Crawlers, link-preview fetchers (they fetch a link when it is pasted into a chat
# or a post) and HTTP libraries. In-app browsers (Instagram, FBAN/FBAV) are people.
BOT_PATTERN = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|facebookexternalhit|facebookcatalog|meta-externalagent|"
    r"whatsapp/|telegrambot|twitterbot|slackbot|slack-imgproxy|discordbot|linkedinbot|"
    r"skypeuripreview|embedly|pinterest|vkshare|redditbot|applebot|bingpreview|googleother|"
    r"google-inspectiontool|mediapartners|adsbot|ia_archiver|headless|preview|"
    r"curl/|wget/|python-requests|python-urllib|python-httpx|aiohttp|httpie|go-http-client|"
    r"java/|okhttp|libwww|lwp-|node-fetch|axios/|scrapy|phantomjs|uptime|pingdom|monitor",
    re.IGNORECASE,
)

VISITOR_DAYS_KEPT = 2
REDIS_PREFIX = "sapa:clicks"


def is_bot(request) -> bool:
    """HEAD requests, no browser name, or a browser name of a crawler, previewer or library."""
    if request.method != "GET":
        return True
    agent = request.META.get("HTTP_USER_AGENT", "")
    if len(agent) < 8:
        return True
    return BOT_PATTERN.search(agent) is not None


def today() -> date:
    return timezone.localdate()


def visitor_hash(request, day: date) -> str:
    """The day's pseudonym of this address and browser (32 hex characters)."""
    key = hashlib.sha256(f"sapa.promotion.visitor:{day.isoformat()}:{settings.SECRET_KEY}".encode()).digest()
    message = f"{client_ip(request)}\n{request.META.get('HTTP_USER_AGENT', '')[:400]}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def record(request, link_id: int, bot: bool | None = None) -> bool:
    """Count a click on link `link_id`; True when it is a person's first today."""
    day = today()
    if bot if bot is not None else is_bot(request):
        _count(link_id, day, "bots")
        return False
    visitor = visitor_hash(request, day)
    if _seen_here(link_id, day, visitor):
        return False
    if settings.REDIS_URL:
        return _record_redis(link_id, day, visitor)
    return _record_db(link_id, day, visitor)


# Visitors this process has already recorded today: their repeat clicks need no write at
# all. Only a shortcut: the unique row (or Redis key) decides across processes.
_SEEN: set = set()
_SEEN_DAY: list = [None]
SEEN_MAX = 50_000


def _seen_here(link_id: int, day: date, visitor: str) -> bool:
    if _SEEN_DAY[0] != day or len(_SEEN) >= SEEN_MAX:
        _SEEN.clear()
        _SEEN_DAY[0] = day
    key = (link_id, visitor)
    if key in _SEEN:
        return True
    _SEEN.add(key)
    return False


# --- Database path ------------------------------------------------------------------------

def _upsert_sql(column: str) -> str:
    table = ClickDay._meta.db_table
    return (f"INSERT INTO {table} (link_id, day, visitors, bots) VALUES (%s, %s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (link_id, day) DO UPDATE SET {column} = {table}.{column} + EXCLUDED.{column}")


def _add(cursor, link_id: int, day: date, visitors: int, bots: int) -> None:
    if visitors:
        cursor.execute(_upsert_sql("visitors"), [link_id, day, visitors, 0])
    if bots:
        cursor.execute(_upsert_sql("bots"), [link_id, day, 0, bots])


def _count(link_id: int, day: date, column: str) -> None:
    if settings.REDIS_URL:
        pipe = _redis().pipeline(transaction=False)
        pipe.hincrby(f"{REDIS_PREFIX}:{day.isoformat()}", f"{link_id}:{column[0]}", 1)
        pipe.sadd(f"{REDIS_PREFIX}:days", day.isoformat())
        pipe.execute()
        return
    with connection.cursor() as cursor:
        _add(cursor, link_id, day, 1 if column == "visitors" else 0, 1 if column == "bots" else 0)


def _record_db(link_id: int, day: date, visitor: str) -> bool:
    table = ClickVisitor._meta.db_table
    # Two autocommit statements rather than one transaction: each holds SQLite's write
    # lock for one statement only. A crash between them loses one count, never doubles one.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (link_id, day, visitor) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (link_id, day, visitor) DO NOTHING", [link_id, day, visitor])
        if cursor.rowcount != 1:
            return False
        _add(cursor, link_id, day, 1, 0)
    return True


# --- Redis path ---------------------------------------------------------------------------------

_LUA = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  redis.call('SADD', KEYS[3], ARGV[3])
  return 1
end
return 0
"""
_script = None


def _redis():
    # inside: Redis is used only with REDIS_URL; a one-machine install never loads its client
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _record_redis(link_id: int, day: date, visitor: str) -> bool:
    global _script
    if _script is None:
        _script = _redis().register_script(_LUA)
    stamp = day.isoformat()
    return bool(_script(
        keys=[f"{REDIS_PREFIX}:v:{stamp}:{link_id}:{visitor}", f"{REDIS_PREFIX}:{stamp}",
              f"{REDIS_PREFIX}:days"],
        args=[VISITOR_DAYS_KEPT * 86400, f"{link_id}:v", stamp],
    ))


def flush() -> int:
    """Move the counts kept in Redis into the database; the number of counters moved.

    Each day's hash is renamed before it is read, so two flushes never move the
    same counts twice; if the database refuses, the counts go back to Redis.
    """
    if not settings.REDIS_URL:
        return 0
    redis = _redis()
    moved = 0
    for raw_day in redis.smembers(f"{REDIS_PREFIX}:days"):
        stamp = raw_day.decode() if isinstance(raw_day, bytes) else raw_day
        key = f"{REDIS_PREFIX}:{stamp}"
        taken = f"{key}:flush:{secrets.token_hex(6)}"
        try:
            redis.rename(key, taken)
        except Exception:  # noqa: BLE001 - no counts for that day (or another flush took them)
            if stamp != today().isoformat():
                redis.srem(f"{REDIS_PREFIX}:days", stamp)
            continue
        counts = redis.hgetall(taken)
        per_link: dict[int, list[int]] = {}
        for field, value in counts.items():
            field = field.decode() if isinstance(field, bytes) else field
            link_id, kind = field.split(":")
            entry = per_link.setdefault(int(link_id), [0, 0])
            entry[0 if kind == "v" else 1] += int(value)
        try:
            existing = set(_existing_links(per_link))
            with transaction.atomic(), connection.cursor() as cursor:
                for link_id, (visitors, bots) in per_link.items():
                    if link_id in existing:  # a link deleted since: its counts go with it
                        _add(cursor, link_id, date.fromisoformat(stamp), visitors, bots)
                        moved += 1
        except Exception:
            pipe = redis.pipeline()
            for field, value in counts.items():
                pipe.hincrby(key, field, int(value))
            pipe.execute()
            redis.delete(taken)
            raise
        redis.delete(taken)
    return moved


def _existing_links(per_link):
    return ShortLink.objects.filter(pk__in=list(per_link)).values_list("pk", flat=True)


def purge_visitors(now=None) -> int:
    """Delete the visitor hashes of past days (the database path keeps them two days)."""
    cutoff = (now or timezone.now()).astimezone(timezone.get_current_timezone()).date() - timedelta(
        days=VISITOR_DAYS_KEPT - 1)
    deleted, _ = ClickVisitor.objects.filter(day__lt=cutoff).delete()
    return deleted
