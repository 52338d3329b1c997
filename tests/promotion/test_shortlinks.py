"""Short links: the redirect, UTM parameters, counting people once a day, leaving bots out,
and keeping no address."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from promotion_helpers import INSTAGRAM_UA, PHONE_UA, click_counts

from sapa.promotion import clicks, links
from sapa.promotion.models import Channel, ClickVisitor, ShortLink

pytestmark = pytest.mark.django_db

IP = "203.0.113.77"

BOT_AGENTS = [
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.23.20.0 A",
    "TelegramBot (like TwitterBot)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Python-urllib/3.11",
    "python-httpx/0.28.1",
    "Go-http-client/1.1",
    "Wget/1.21.4",
    "",
]


def test_codes_are_short_random_and_unambiguous(event):
    link = links.event_link(event, Channel.INSTAGRAM)
    assert len(link.code) == links.CODE_LENGTH
    assert not set(link.code) & set("01ilo")
    assert links.event_link(event, Channel.INSTAGRAM) == link  # one per (event, channel, label)
    other = links.event_link(event, Channel.INSTAGRAM, "post 2")
    assert other != link and other.code != link.code
    assert link.url == f"{settings.BASE_URL}/s/{link.code}"


def test_redirect_carries_utm_parameters(event):
    for channel, medium in [("instagram", "social"), ("email", "email"), ("flyer", "print"),
                            ("whatsapp", "social")]:
        link = links.event_link(event, channel)
        response = Client(HTTP_USER_AGENT=PHONE_UA).get(f"/s/{link.code}")
        assert response.status_code == 302
        target = urlparse(response["Location"])
        assert target.path == f"/e/{event.slug}/"
        assert parse_qs(target.query) == {"utm_source": [channel], "utm_medium": [medium],
                                          "utm_campaign": [event.slug]}
        assert response["Cache-Control"] == "no-store"


def test_unknown_code_is_404_and_codes_are_case_insensitive(event):
    link = links.event_link(event, Channel.FACEBOOK)
    assert Client().get("/s/zzzzzzz").status_code == 404
    assert Client(HTTP_USER_AGENT=PHONE_UA).get(f"/s/{link.code.upper()}").status_code == 302


def test_redirect_is_one_cheap_request_without_a_session(event, django_assert_max_num_queries):
    link = links.event_link(event, Channel.INSTAGRAM)
    client = Client(HTTP_USER_AGENT=PHONE_UA)
    client.get(f"/s/{link.code}")  # warms the code cache
    other = Client(HTTP_USER_AGENT=INSTAGRAM_UA)
    # a new visitor: the visitor row and the day's counter (in one transaction), nothing else
    with django_assert_max_num_queries(2 if settings.REDIS_URL else 4):
        response = other.get(f"/s/{link.code}")
    assert response.status_code == 302
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert "csrftoken" not in response.cookies


def test_repeated_clicks_of_one_visitor_count_once(event):
    link = links.event_link(event, Channel.INSTAGRAM)
    phone = Client(HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR=IP)
    for _ in range(5):
        assert phone.get(f"/s/{link.code}").status_code == 302
    assert click_counts(link) == (1, 0)
    # another browser on the same address, and another address: other people
    Client(HTTP_USER_AGENT=INSTAGRAM_UA, REMOTE_ADDR=IP).get(f"/s/{link.code}")
    Client(HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR="198.51.100.9").get(f"/s/{link.code}")
    assert click_counts(link) == (3, 0)
    # the same person on another link of the event is counted there
    other = links.event_link(event, Channel.WHATSAPP)
    phone.get(f"/s/{other.code}")
    assert click_counts(other) == (1, 0)


@pytest.mark.parametrize("agent", BOT_AGENTS)
def test_bots_and_previews_are_redirected_but_not_counted(event, agent):
    link = links.event_link(event, Channel.WHATSAPP)
    response = Client(HTTP_USER_AGENT=agent).get(f"/s/{link.code}")
    assert response.status_code == 302  # previews still find the event page (and its picture)
    assert "sapa_ch" not in response.cookies  # a bot is nobody's first touch
    assert click_counts(link) == (0, 1)


def test_head_requests_are_bots(event):
    link = links.event_link(event, Channel.WHATSAPP)
    response = Client(HTTP_USER_AGENT=PHONE_UA).head(f"/s/{link.code}")
    assert response.status_code == 302
    assert click_counts(link) == (0, 1)


def test_in_app_browsers_are_people():
    class Request:
        method = "GET"

        def __init__(self, agent):
            self.META = {"HTTP_USER_AGENT": agent}

    assert not clicks.is_bot(Request(INSTAGRAM_UA))
    assert not clicks.is_bot(Request(
        "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120 Mobile [FBAN/EMA;FBLC/id_ID;FBAV/390.0]"))
    assert not clicks.is_bot(Request(PHONE_UA))


def test_visitor_hash_rotates_daily_and_is_no_address(rf):
    from datetime import date

    request = rf.get("/s/x", HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR=IP)
    monday = clicks.visitor_hash(request, date(2020, 7, 20))
    tuesday = clicks.visitor_hash(request, date(2020, 7, 21))
    assert monday != tuesday and len(monday) == 32
    assert IP not in monday and "203" not in monday[:3]


def test_no_raw_address_is_stored_anywhere(event):
    link = links.event_link(event, Channel.INSTAGRAM)
    Client(HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR=IP).get(f"/s/{link.code}")
    Client(HTTP_USER_AGENT=BOT_AGENTS[0], REMOTE_ADDR=IP).get(f"/s/{link.code}")
    # every text column of every table of the database
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                cursor.execute(f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column.name}" AS TEXT) LIKE %s',
                               [f"%{IP}%"])
                assert cursor.fetchone()[0] == 0, f"{table}.{column.name} holds the address"
    if settings.REDIS_URL:
        from django_redis import get_redis_connection

        redis = get_redis_connection("default")
        for key in redis.scan_iter("*"):
            assert IP.encode() not in key
            kind = redis.type(key)
            if kind == b"hash":
                assert not any(IP.encode() in f or IP.encode() in v for f, v in redis.hgetall(key).items())
            elif kind == b"string":
                assert IP.encode() not in (redis.get(key) or b"")


def test_old_visitor_hashes_are_purged(event):
    from datetime import timedelta

    from django.utils import timezone

    link = links.event_link(event, Channel.INSTAGRAM)
    old_day = timezone.localdate() - timedelta(days=3)
    ClickVisitor.objects.create(link=link, day=old_day, visitor="a" * 32)
    ClickVisitor.objects.create(link=link, day=timezone.localdate(), visitor="b" * 32)
    assert clicks.purge_visitors() == 1
    assert list(ClickVisitor.objects.values_list("visitor", flat=True)) == ["b" * 32]


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis path needs REDIS_URL")
def test_redis_counts_reach_the_database_once(event):
    from sapa.promotion.models import ClickDay

    link = links.event_link(event, Channel.TELEGRAM)
    Client(HTTP_USER_AGENT=PHONE_UA).get(f"/s/{link.code}")
    Client(HTTP_USER_AGENT="curl/8.0").get(f"/s/{link.code}")
    assert not ClickDay.objects.filter(link=link).exists()  # still in Redis
    assert clicks.flush() == 1
    assert clicks.flush() == 0  # moved once, not twice
    day = ClickDay.objects.get(link=link)
    assert (day.visitors, day.bots) == (1, 1)


def test_deleted_link_stops_resolving(event):
    link = links.event_link(event, Channel.X)
    assert Client(HTTP_USER_AGENT=PHONE_UA).get(f"/s/{link.code}").status_code == 302
    code = link.code
    ShortLink.objects.filter(pk=link.pk).delete()
    links.forget(code)
    assert Client(HTTP_USER_AGENT=PHONE_UA).get(f"/s/{code}").status_code == 404
