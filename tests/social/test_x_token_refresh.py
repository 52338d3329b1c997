"""X's OAuth 2.0 access tokens last two hours: Sapa renews them with the refresh_token grant.

POST https://api.x.com/2/oauth2/token (application/x-www-form-urlencoded) with
grant_type=refresh_token and the refresh token; a confidential client sends
`Authorization: Basic base64(client_id:client_secret)`, a public one its client_id in
the body. The answer (token_type, expires_in, access_token, scope, refresh_token) is
stored encrypted at once; the refused call is repeated once. A refused refresh marks the
channel "needs reconnecting" and emails the admins (the path every token problem takes).
"""

import base64
import json
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from django.db import connection
from django.utils import translation

from sapa.mail.models import Email
from sapa.social import metrics, publishing
from sapa.social.connectors import get_connector
from sapa.social.models import Channel, ChannelStatus, Network, VariantState

pytestmark = pytest.mark.django_db

XAPI = "https://api.x.com/2"
UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
CREDENTIALS = {"access_token": "old-access", "refresh_token": "old-refresh", "client_id": "rG9n6402A3dbUJKzXTNX4oWHJ",
               "client_secret": "s3cr3t"}


def token_answer(n=2):
    return {"token_type": "bearer", "expires_in": 7200, "access_token": f"access-{n}",
            "scope": "tweet.write users.read tweet.read offline.access media.write",
            "refresh_token": f"refresh-{n}"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def x_channel(library, admin_user):
    from sapa.social import services

    return services.create_channel(library, network=Network.X, name="X Perpus", by=admin_user,
                                   credentials=dict(CREDENTIALS), account_id="2244994945", handle="perpusa")


def form(request):
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def test_expired_token_is_refreshed_stored_encrypted_and_the_post_sent_once(x_channel, make_variant):
    variant = make_variant(x_channel, text="Ayo ke perpustakaan!", state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        tweets = router.post(f"{XAPI}/tweets").mock(side_effect=[
            httpx.Response(401, json=UNAUTHORIZED),
            httpx.Response(201, json={"data": {"id": "1445880548472328192", "text": "Ayo ke perpustakaan!"}}),
        ])
        token = router.post(f"{XAPI}/oauth2/token").respond(200, json=token_answer())
        assert publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=1)) == "published"
    refresh = token.calls.last.request
    assert refresh.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert refresh.headers["Authorization"] == "Basic " + base64.b64encode(
        b"rG9n6402A3dbUJKzXTNX4oWHJ:s3cr3t").decode()
    assert form(refresh) == {"grant_type": "refresh_token", "refresh_token": "old-refresh"}
    assert [c.request.headers["Authorization"] for c in tweets.calls] == ["Bearer old-access", "Bearer access-2"]
    assert json.loads(tweets.calls.last.request.content) == {"text": "Ayo ke perpustakaan!"}
    x_channel.refresh_from_db()
    stored = x_channel.credentials
    assert stored["access_token"] == "access-2" and stored["refresh_token"] == "refresh-2"
    assert stored["client_id"] == CREDENTIALS["client_id"] and stored["client_secret"] == "s3cr3t"
    assert abs(stored["expires_at"] - (time.time() + 7200)) < 60
    assert "access-2" not in x_channel.credentials_encrypted and "refresh-2" not in x_channel.credentials_encrypted
    assert x_channel.status == ChannelStatus.OK
    variant.refresh_from_db()
    assert variant.external_id == "1445880548472328192" and variant.attempts == 1


def test_public_client_sends_its_client_id_in_the_body(library, admin_user, make_variant):
    from sapa.social import services

    creds = {k: v for k, v in CREDENTIALS.items() if k != "client_secret"}
    channel = services.create_channel(library, network=Network.X, name="X", by=admin_user, credentials=creds,
                                      account_id="1", handle="perpusa")
    variant = make_variant(channel, text="Halo", state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        router.post(f"{XAPI}/tweets").mock(side_effect=[
            httpx.Response(401, json=UNAUTHORIZED), httpx.Response(201, json={"data": {"id": "9", "text": "Halo"}})])
        token = router.post(f"{XAPI}/oauth2/token").respond(200, json=token_answer())
        publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=1))
    assert "Authorization" not in token.calls.last.request.headers
    assert form(token.calls.last.request) == {"grant_type": "refresh_token", "refresh_token": "old-refresh",
                                              "client_id": "rG9n6402A3dbUJKzXTNX4oWHJ"}


def test_a_token_known_to_be_expired_is_renewed_before_the_call(x_channel, make_variant):
    x_channel.credentials = {**CREDENTIALS, "expires_at": int(time.time()) - 10}
    x_channel.save()
    variant = make_variant(x_channel, text="Halo", state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        token = router.post(f"{XAPI}/oauth2/token").respond(200, json=token_answer())
        tweets = router.post(f"{XAPI}/tweets").respond(201, json={"data": {"id": "9", "text": "Halo"}})
        assert publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=1)) == "published"
    assert token.call_count == 1 and tweets.call_count == 1
    assert tweets.calls.last.request.headers["Authorization"] == "Bearer access-2"


def test_refused_refresh_marks_the_channel_and_emails_the_admins_once(x_channel, make_variant, admin_user):
    variant = make_variant(x_channel, text="Halo", state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        tweets = router.post(f"{XAPI}/tweets").respond(401, json=UNAUTHORIZED)
        router.post(f"{XAPI}/oauth2/token").respond(400, json={
            "error": "invalid_request", "error_description": "Value passed for the token was invalid."})
        assert publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=1)) == "scheduled"
    assert tweets.call_count == 1  # no second try with a token that was not renewed
    x_channel.refresh_from_db()
    assert x_channel.status == ChannelStatus.NEEDS_RECONNECT
    assert "Value passed for the token was invalid." in x_channel.status_message
    assert x_channel.credentials["refresh_token"] == "old-refresh"  # nothing stored from a refusal
    variant.refresh_from_db()
    assert variant.state == VariantState.SCHEDULED and "reconnected" in variant.error_message
    mail = Email.objects.get(dedupe_key__startswith="social-reconnect:")
    assert mail.to == [admin_user.email] and "X Perpus" in mail.subject


def test_without_a_refresh_token_a_401_marks_the_channel(library, admin_user, make_variant):
    from sapa.social import services

    channel = services.create_channel(library, network=Network.X, name="X", by=admin_user,
                                      credentials={"access_token": "only"}, account_id="1", handle="p")
    variant = make_variant(channel, text="Halo", state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        router.post(f"{XAPI}/tweets").respond(401, json=UNAUTHORIZED)
        assert publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=1)) == "scheduled"
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT


def test_token_endpoint_down_retries_later_without_marking_the_channel(x_channel, make_variant):
    variant = make_variant(x_channel, text="Halo", state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        router.post(f"{XAPI}/tweets").respond(401, json=UNAUTHORIZED)
        router.post(f"{XAPI}/oauth2/token").respond(503, text="Service Unavailable")
        assert publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=1)) == "scheduled"
    x_channel.refresh_from_db()
    assert x_channel.status == ChannelStatus.OK
    variant.refresh_from_db()
    assert variant.next_attempt_at is not None


def test_metrics_fetch_refreshes_too(x_channel, make_variant):
    variant = make_variant(x_channel, text="Halo")
    variant.state, variant.external_id = VariantState.PUBLISHED, "1445880548472328192"
    from django.utils import timezone

    variant.published_at = timezone.now()
    variant.save()
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{XAPI}/tweets/1445880548472328192").mock(side_effect=[
            httpx.Response(401, json=UNAUTHORIZED),
            httpx.Response(200, json={"data": {"id": "1445880548472328192", "text": "Halo", "public_metrics": {
                "retweet_count": 2, "reply_count": 1, "like_count": 9, "quote_count": 1, "bookmark_count": 0,
                "impression_count": 340}}}),
        ])
        router.post(f"{XAPI}/oauth2/token").respond(200, json=token_answer())
        assert metrics.fetch_recent() == {"fetched": 1, "failed": 0}
    row = metrics.latest(variant)
    assert (row.likes, row.comments, row.shares, row.impressions) == (9, 1, 3, 340)


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(library, admin_user):
    """Refresh tokens rotate: a second use of the same one is refused. Two threads that both saw
    the old access token refused refresh under the channel's row lock; the second finds the new
    token stored and uses it. Run on PostgreSQL: the in-memory SQLite test database shares one
    cache between threads and answers "table is locked" at once instead of waiting as a file
    database with a busy timeout does."""
    from sapa.social import services

    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite answers 'table is locked' instead of waiting; runs on PostgreSQL")

    channel = services.create_channel(library, network=Network.X, name="X", by=admin_user,
                                      credentials=dict(CREDENTIALS), account_id="1", handle="p")
    used = []
    lock = threading.Lock()

    def token_endpoint(request):
        time.sleep(0.3)  # slow enough for the other thread to arrive meanwhile
        with lock:
            spent = form(request)["refresh_token"]
            if spent in used:
                return httpx.Response(400, json={"error": "invalid_request",
                                                 "error_description": "Value passed for the token was invalid."})
            used.append(spent)
            return httpx.Response(200, json=token_answer(len(used) + 1))

    errors = []

    def worker():
        try:
            connector = get_connector(Channel.objects.get(pk=channel.pk))
            connector.refresh_access_token("old-access")
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    with respx.mock(assert_all_called=True) as router:
        router.post(f"{XAPI}/oauth2/token").mock(side_effect=token_endpoint)
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert errors == [] and used == ["old-refresh"]
    channel.refresh_from_db()
    assert channel.credentials["access_token"] == "access-2"


def test_channel_form_stores_the_refresh_credentials_encrypted(admin_client, library):
    from django.urls import reverse

    create = reverse("social-channel-create", kwargs={"slug": library.slug})
    response = admin_client.post(create, {
        "network": Network.X, "name": "X Perpus", "account_id": "2244994945", "handle": "perpusa",
        "is_active": "on", "access_token": "typed-access", "refresh_token": "typed-refresh",
        "client_id": "client-123", "client_secret": "secret-456"})
    assert response.status_code == 302
    channel = Channel.objects.get(library=library, name="X Perpus")
    assert channel.credentials == {"access_token": "typed-access", "refresh_token": "typed-refresh",
                                   "client_id": "client-123", "client_secret": "secret-456"}
    for secret in ("typed-refresh", "client-123", "secret-456"):
        assert secret not in channel.credentials_encrypted
    edit = reverse("social-channel-edit", kwargs={"slug": library.slug, "channel_id": channel.pk})
    page = admin_client.get(edit).content.decode()
    assert "typed-refresh" not in page and "secret-456" not in page
    # A stored expiry belongs to the old token: a newly typed access token drops it.
    channel.credentials = {**channel.credentials, "expires_at": 1}
    channel.save()
    admin_client.post(edit, {"name": "X Perpus", "account_id": "2244994945", "handle": "perpusa",
                             "is_active": "on", "access_token": "new-access"})
    channel.refresh_from_db()
    assert channel.credentials == {"access_token": "new-access", "refresh_token": "typed-refresh",
                                   "client_id": "client-123", "client_secret": "secret-456"}
