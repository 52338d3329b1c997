"""Metrics fetched from each network's documented answers, and failed fetches handled as
publishing handles them (a refused token marks the channel "needs reconnecting").

- Facebook: GET /{post-id}?fields=shares,reactions.summary(total_count).limit(0),
  comments.summary(total_count).limit(0), then GET /{post-id}/insights?metric=
  post_total_media_view_unique,post_clicks ({"data": [{"name", "period", "values": [{"value"}]}]});
- Instagram: GET /{ig-media-id}/insights?metric=reach,likes,comments,shares,saved,views;
  error #10 (not enough viewers) falls back to GET /{ig-media-id}?fields=like_count,comments_count;
- X: GET /2/tweets/{id}?tweet.fields=public_metrics;
- Bluesky: app.bsky.feed.getPosts?uris=at://... (likeCount, replyCount, repostCount, quoteCount);
- Mastodon: GET /api/v1/statuses/{id} (favourites_count, replies_count, reblogs_count);
- Telegram: the Bot API reports nothing about a channel post: nothing is asked, nothing stored.
"""

from datetime import timedelta

import httpx
import pytest
import respx
from django.utils import timezone, translation

from sapa.mail.models import Email
from sapa.social import metrics
from sapa.social.models import ChannelStatus, Network, PostMetrics, VariantState

pytestmark = pytest.mark.django_db

GRAPH = "https://graph.facebook.com/v21.0"
BSKY = "https://bsky.social/xrpc"
XAPI = "https://api.x.com/2"
FB_POST = "1234567890_178900000002"
IG_MEDIA = "17920238422030506"
BSKY_URI = "at://did:plc:perpusa/app.bsky.feed.post/3kabc"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def published(make_channel, make_variant):
    def make(network, external_id, channel=None, days_ago=1):
        variant = make_variant(channel or make_channel(network), text="Kabar perpustakaan")
        variant.state = VariantState.PUBLISHED
        variant.external_id = external_id
        variant.published_at = timezone.now() - timedelta(days=days_ago)
        variant.save()
        return variant

    return make


def insights(*rows):
    return {"data": [{"name": name, "period": "lifetime", "values": [{"value": value}], "title": name,
                      "id": f"x/insights/{name}/lifetime"} for name, value in rows]}


def test_facebook_reactions_comments_shares_and_reach(published):
    variant = published(Network.FACEBOOK_PAGE, FB_POST)
    with respx.mock(assert_all_called=True) as router:
        post = router.get(f"{GRAPH}/{FB_POST}").respond(200, json={
            "id": FB_POST, "shares": {"count": 4},
            "reactions": {"data": [], "summary": {"total_count": 31, "viewer_reaction": "NONE"}},
            "comments": {"data": [], "summary": {"order": "ranked", "total_count": 6, "can_comment": True}}})
        stats = router.get(f"{GRAPH}/{FB_POST}/insights").respond(200, json=insights(
            ("post_total_media_view_unique", 812), ("post_clicks", 40)))
        assert metrics.fetch_recent() == {"fetched": 1, "failed": 0}
    params = post.calls.last.request.url.params
    assert params["fields"] == ("shares,reactions.summary(total_count).limit(0),"
                                "comments.summary(total_count).limit(0)")
    assert params["access_token"] == "EAAB-page-token"
    assert stats.calls.last.request.url.params["metric"] == "post_total_media_view_unique,post_clicks"
    row = metrics.latest(variant)
    assert (row.likes, row.comments, row.shares, row.reach, row.clicks) == (31, 6, 4, 812, 40)
    assert row.engagement_rate == pytest.approx((31 + 6 + 4 + 40) / 812)


def test_facebook_without_insights_keeps_the_counts(published):
    """Insights need pages_read_engagement (and a page with 100 likes): their refusal keeps the counts."""
    variant = published(Network.FACEBOOK_PAGE, FB_POST)
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{GRAPH}/{FB_POST}").respond(200, json={
            "id": FB_POST, "reactions": {"data": [], "summary": {"total_count": 3}},
            "comments": {"data": [], "summary": {"total_count": 0}}})
        router.get(f"{GRAPH}/{FB_POST}/insights").respond(400, json={"error": {
            "message": "(#100) The value must be a valid insights metric", "type": "OAuthException", "code": 100}})
        assert metrics.fetch_recent() == {"fetched": 1, "failed": 0}
    row = metrics.latest(variant)
    assert (row.likes, row.comments, row.shares, row.reach) == (3, 0, 0, None)
    assert row.engagement_rate is None


def test_instagram_insights(published):
    variant = published(Network.INSTAGRAM, IG_MEDIA)
    with respx.mock(assert_all_called=True) as router:
        route = router.get(f"{GRAPH}/{IG_MEDIA}/insights").respond(200, json=insights(
            ("reach", 450), ("likes", 52), ("comments", 7), ("shares", 5), ("saved", 9), ("views", 980)))
        assert metrics.fetch_recent() == {"fetched": 1, "failed": 0}
    assert route.calls.last.request.url.params["metric"] == "reach,likes,comments,shares,saved,views"
    row = metrics.latest(variant)
    assert (row.reach, row.impressions, row.likes, row.comments, row.shares) == (450, 980, 52, 7, 5)


def test_instagram_without_insights_falls_back_to_the_media_counts(published):
    variant = published(Network.INSTAGRAM, IG_MEDIA)
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{GRAPH}/{IG_MEDIA}/insights").respond(400, json={"error": {
            "message": "(#10) Not enough viewers for the media to show insights", "type": "OAuthException",
            "code": 10}})
        media = router.get(f"{GRAPH}/{IG_MEDIA}").respond(200, json={
            "like_count": 8, "comments_count": 2, "id": IG_MEDIA})
        assert metrics.fetch_recent() == {"fetched": 1, "failed": 0}
    assert media.calls.last.request.url.params["fields"] == "like_count,comments_count"
    row = metrics.latest(variant)
    assert (row.likes, row.comments, row.reach) == (8, 2, None)


def test_x_public_metrics(published):
    variant = published(Network.X, "1445880548472328192")
    with respx.mock(assert_all_called=True) as router:
        route = router.get(f"{XAPI}/tweets/1445880548472328192").respond(200, json={"data": {
            "id": "1445880548472328192", "text": "Kabar perpustakaan", "edit_history_tweet_ids": ["1"],
            "public_metrics": {"retweet_count": 3, "reply_count": 2, "like_count": 15, "quote_count": 1,
                               "bookmark_count": 4, "impression_count": 1200}}})
        assert metrics.fetch_recent() == {"fetched": 1, "failed": 0}
    request = route.calls.last.request
    assert request.url.params["tweet.fields"] == "public_metrics"
    assert request.headers["Authorization"] == "Bearer x-user-token"
    row = metrics.latest(variant)
    assert (row.likes, row.comments, row.shares, row.impressions, row.reach) == (15, 2, 4, 1200, None)


def test_bluesky_get_posts(published):
    variant = published(Network.BLUESKY, BSKY_URI)
    with respx.mock(assert_all_called=True) as router:
        router.post(f"{BSKY}/com.atproto.server.createSession").respond(200, json={
            "accessJwt": "jwt", "refreshJwt": "r", "handle": "perpus.bsky.social", "did": "did:plc:perpusa"})
        route = router.get(f"{BSKY}/app.bsky.feed.getPosts").respond(200, json={"posts": [{
            "uri": BSKY_URI, "cid": "bafyreid", "author": {"did": "did:plc:perpusa", "handle": "perpus.bsky.social"},
            "record": {"$type": "app.bsky.feed.post", "text": "Kabar perpustakaan", "createdAt": "2026-11-01T00:00:00Z"},
            "replyCount": 3, "repostCount": 6, "likeCount": 21, "quoteCount": 2, "indexedAt": "2026-11-01T00:00:01Z"}]})
        assert metrics.fetch_recent() == {"fetched": 1, "failed": 0}
    request = route.calls.last.request
    assert request.url.params["uris"] == BSKY_URI and request.headers["Authorization"] == "Bearer jwt"
    row = metrics.latest(variant)
    assert (row.likes, row.comments, row.shares, row.reach) == (21, 3, 8, None)


def test_mastodon_status_counts(published):
    variant = published(Network.MASTODON, "103254962155278888")
    with respx.mock(assert_all_called=True) as router:
        route = router.get("https://mastodon.example/api/v1/statuses/103254962155278888").respond(200, json={
            "id": "103254962155278888", "favourites_count": 11, "reblogs_count": 2, "replies_count": 5})
        assert metrics.fetch_recent() == {"fetched": 1, "failed": 0}
    assert route.calls.last.request.headers["Authorization"] == "Bearer masto-token"
    row = metrics.latest(variant)
    assert (row.likes, row.comments, row.shares) == (11, 5, 2)


def test_telegram_offers_none(published):
    variant = published(Network.TELEGRAM, "-1001234567890:42")
    with respx.mock(assert_all_called=False) as router:
        assert metrics.fetch_recent() == {"fetched": 0, "failed": 0}
        assert router.calls.call_count == 0
    assert not PostMetrics.objects.filter(variant=variant).exists()


# --- Failed fetches ---------------------------------------------------------------------------------

FB_EXPIRED = {"error": {"message": "Error validating access token: Session has expired", "type": "OAuthException",
                        "code": 190, "error_subcode": 463, "fbtrace_id": "AbD"}}


def test_expired_token_marks_the_channel_emails_admins_and_skips_its_other_posts(published, make_channel,
                                                                                 admin_user):
    channel = make_channel(Network.FACEBOOK_PAGE)
    first = published(Network.FACEBOOK_PAGE, "1234567890_1", channel=channel)
    published(Network.FACEBOOK_PAGE, "1234567890_2", channel=channel)
    masto = published(Network.MASTODON, "7")
    with respx.mock(assert_all_called=True) as router:
        fb = router.get(host="graph.facebook.com", path__regex=r"^/v21\.0/1234567890_\d+$").respond(400, json=FB_EXPIRED)
        router.get("https://mastodon.example/api/v1/statuses/7").respond(200, json={
            "id": "7", "favourites_count": 1, "reblogs_count": 0, "replies_count": 0})
        assert metrics.fetch_recent() == {"fetched": 1, "failed": 1}
    assert fb.call_count == 1  # the channel's second post is not asked with a dead token
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert "Session has expired" in channel.status_message
    mail = Email.objects.get(dedupe_key__startswith="social-reconnect:")
    assert mail.to == [admin_user.email]
    assert not PostMetrics.objects.filter(variant=first).exists()
    assert metrics.latest(masto).likes == 1
    # The next day's run does not ask a channel that needs reconnecting, and sends no second email.
    with respx.mock(assert_all_called=False) as router:
        router.get("https://mastodon.example/api/v1/statuses/7").respond(200, json={
            "id": "7", "favourites_count": 2, "reblogs_count": 0, "replies_count": 0})
        assert metrics.fetch_recent() == {"fetched": 1, "failed": 0}
    assert Email.objects.filter(dedupe_key__startswith="social-reconnect:").count() == 1


@pytest.mark.parametrize("network,external_id,url,answer", [
    (Network.X, "99", f"{XAPI}/tweets/99", (401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                                                   "detail": "Unauthorized"})),
    (Network.MASTODON, "7", "https://mastodon.example/api/v1/statuses/7",
     (401, {"error": "The access token is invalid"})),
    (Network.INSTAGRAM, IG_MEDIA, f"{GRAPH}/{IG_MEDIA}/insights", (401, FB_EXPIRED)),
])
def test_401_marks_the_channel(published, network, external_id, url, answer):
    variant = published(network, external_id)
    with respx.mock(assert_all_called=True) as router:
        router.get(url).respond(answer[0], json=answer[1])
        assert metrics.fetch_recent() == {"fetched": 0, "failed": 1}
    variant.channel.refresh_from_db()
    assert variant.channel.status == ChannelStatus.NEEDS_RECONNECT


def test_rate_limit_stops_the_channel_until_tomorrow(published, make_channel):
    channel = make_channel(Network.X)
    published(Network.X, "1", channel=channel)
    published(Network.X, "2", channel=channel)
    with respx.mock(assert_all_called=True) as router:
        route = router.get(host="api.x.com", path__regex=r"^/2/tweets/\d+$").respond(429, json={
            "title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
            headers={"x-rate-limit-reset": "1900000000"})
        assert metrics.fetch_recent() == {"fetched": 0, "failed": 1}
    assert route.call_count == 1
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.OK


def test_server_error_skips_one_post_only(published, make_channel):
    channel = make_channel(Network.MASTODON)
    published(Network.MASTODON, "1", channel=channel)
    second = published(Network.MASTODON, "2", channel=channel)
    with respx.mock(assert_all_called=True) as router:
        router.get("https://mastodon.example/api/v1/statuses/1").mock(
            side_effect=[httpx.Response(503, text="Service Unavailable")])
        router.get("https://mastodon.example/api/v1/statuses/2").respond(200, json={
            "id": "2", "favourites_count": 4, "reblogs_count": 0, "replies_count": 1})
        assert metrics.fetch_recent() == {"fetched": 1, "failed": 1}
    assert metrics.latest(second).likes == 4
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.OK


def test_old_posts_are_not_fetched(published):
    published(Network.MASTODON, "1", days_ago=40)
    with respx.mock(assert_all_called=False) as router:
        assert metrics.fetch_recent() == {"fetched": 0, "failed": 0}
        assert router.calls.call_count == 0
