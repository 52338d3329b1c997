"""Each connector against respx: the exact requests each network documents, and its answers.

For every network: success (paths, methods, fields, headers checked); 429 with
Retry-After; a 5xx then success; an expired token (the channel needs
reconnecting and its admins get one email); a refusal with the network's message.
No request leaves the process: respx answers them all.
"""

import json
from datetime import timedelta

import httpx
import pytest
import respx
from django.utils import timezone, translation
from social_helpers import form

from sapa.mail.models import Email
from sapa.social import publishing, services
from sapa.social.connectors.bluesky import facets, make_tid
from sapa.social.models import ChannelStatus, Network, VariantState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages the worker stores are asserted in English (the msgids)."""
    with translation.override("en"):
        yield

MASTO = "https://mastodon.example"
GRAPH = "https://graph.facebook.com/v21.0"
TG = "https://api.telegram.org/bot123456:ABC-DEF"
BSKY = "https://bsky.social/xrpc"
XAPI = "https://api.x.com/2"


def due(variant, seconds=1):
    return variant.scheduled_at + timedelta(seconds=seconds)


# --- Success, with the exact requests -------------------------------------------------------------

def test_mastodon_publish(make_channel, make_variant, make_image):
    channel = make_channel(Network.MASTODON)
    image = make_image(alt="Poster acara")
    variant = make_variant(channel, text="Halo pemustaka! #literasi", media=[image], state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        media = router.post(f"{MASTO}/api/v2/media").respond(200, json={
            "id": "22348641", "type": "image", "url": f"{MASTO}/media/x.jpg", "description": "Poster acara"})
        status = router.post(f"{MASTO}/api/v1/statuses").respond(200, json={
            "id": "103254962155278888", "uri": f"{MASTO}/users/perpusa/statuses/103254962155278888",
            "url": f"{MASTO}/@perpusa/103254962155278888", "content": "<p>Halo pemustaka!</p>"})
        assert publishing.publish(variant.pk, now=due(variant)) == VariantState.PUBLISHED
    upload = media.calls.last.request
    assert upload.headers["Authorization"] == "Bearer masto-token"
    fields = form(upload)
    assert fields["description"] == "Poster acara" and fields["file"][0].endswith(".jpg")
    sent = status.calls.last.request
    assert sent.headers["Idempotency-Key"] == variant.idempotency_key
    assert sent.headers["Authorization"] == "Bearer masto-token"
    assert json.loads(sent.content) == {"status": "Halo pemustaka! #literasi", "visibility": "public",
                                        "language": "id", "media_ids": ["22348641"]}
    variant.refresh_from_db()
    assert variant.external_id == "103254962155278888"
    assert variant.external_url == f"{MASTO}/@perpusa/103254962155278888"
    assert variant.post.revisions.filter(action="published").exists()


def test_facebook_publish_photo_and_first_comment(make_channel, make_variant, make_image):
    channel = make_channel(Network.FACEBOOK_PAGE)
    variant = make_variant(channel, text="Sharing session Selasa ini", media=[make_image()],
                           first_comment="Daftar di tautan bio", state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        photos = router.post(f"{GRAPH}/1234567890/photos").respond(200, json={
            "id": "178900000001", "post_id": "1234567890_178900000002"})
        comment = router.post(f"{GRAPH}/1234567890_178900000002/comments").respond(200, json={
            "id": "178900000002_99"})
        assert publishing.publish(variant.pk, now=due(variant)) == VariantState.PUBLISHED
    fields = form(photos.calls.last.request)
    assert fields["caption"] == "Sharing session Selasa ini"
    assert fields["published"] == "true" and fields["access_token"] == "EAAB-page-token"
    assert fields["source"][1][:2] == b"\xff\xd8"  # the JPEG itself
    assert form(comment.calls.last.request)["message"] == "Daftar di tautan bio"
    variant.refresh_from_db()
    assert variant.external_id == "1234567890_178900000002"
    assert variant.external_url == "https://www.facebook.com/1234567890_178900000002"


def test_facebook_text_and_link_goes_to_feed(make_channel, make_variant):
    variant = make_variant(make_channel(Network.FACEBOOK_PAGE), text="Baca berita kami",
                           link="https://sapa.example.id/berita/1", state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        feed = router.post(f"{GRAPH}/1234567890/feed").respond(200, json={"id": "1234567890_555"})
        publishing.publish(variant.pk, now=due(variant))
    assert form(feed.calls.last.request) == {"message": "Baca berita kami", "access_token": "EAAB-page-token",
                                             "link": "https://sapa.example.id/berita/1"}


def test_instagram_container_status_publish(make_channel, make_variant, make_image):
    channel = make_channel(Network.INSTAGRAM)
    image = make_image(1080, 1350, alt="Sampul buku baru")
    variant = make_variant(channel, text="Buku baru bulan ini #bukubaru", media=[image], state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        quota = router.get(f"{GRAPH}/17841400000000001/content_publishing_limit").respond(200, json={
            "data": [{"quota_usage": 2, "config": {"quota_total": 50, "quota_duration": 86400}}]})
        create = router.post(f"{GRAPH}/17841400000000001/media").respond(200, json={"id": "17889455560051444"})
        status = router.get(f"{GRAPH}/17889455560051444").mock(side_effect=[
            httpx.Response(200, json={"status_code": "IN_PROGRESS", "id": "17889455560051444"}),
            httpx.Response(200, json={"status_code": "FINISHED", "id": "17889455560051444"}),
        ])
        publish = router.post(f"{GRAPH}/17841400000000001/media_publish").respond(200, json={
            "id": "17920238422030506"})
        permalink = router.get(f"{GRAPH}/17920238422030506").respond(200, json={
            "permalink": "https://www.instagram.com/p/DAbc123/", "id": "17920238422030506"})
        from sapa.social.connectors.instagram import InstagramConnector

        InstagramConnector.poll_interval = 0
        try:
            assert publishing.publish(variant.pk, now=due(variant)) == VariantState.PUBLISHED
        finally:
            InstagramConnector.poll_interval = 1.0
    assert quota.calls.last.request.url.params["fields"] == "quota_usage,config"
    assert quota.calls.last.request.url.params["access_token"] == "EAAB-page-token"
    fields = form(create.calls.last.request)
    assert fields["caption"] == "Buku baru bulan ini #bukubaru"
    assert fields["alt_text"] == "Sampul buku baru"
    assert fields["image_url"].startswith("https://sapa.example.id/media/social/")
    assert status.calls.last.request.url.params["fields"] == "status_code"
    assert form(publish.calls.last.request)["creation_id"] == "17889455560051444"
    assert permalink.called
    variant.refresh_from_db()
    assert variant.external_url == "https://www.instagram.com/p/DAbc123/"
    assert variant.publish_data["container_id"] == "17889455560051444"


def test_telegram_send_photo(make_channel, make_variant, make_image):
    variant = make_variant(make_channel(Network.TELEGRAM), text="Info layanan", media=[make_image()],
                           state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        send = router.post(f"{TG}/sendPhoto").respond(200, json={"ok": True, "result": {
            "message_id": 42, "chat": {"id": -1001234567890, "username": "perpusa", "type": "channel"},
            "date": 1700000000, "photo": []}})
        assert publishing.publish(variant.pk, now=due(variant)) == VariantState.PUBLISHED
    fields = form(send.calls.last.request)
    assert fields["chat_id"] == "@perpusa" and fields["caption"] == "Info layanan"
    assert fields["photo"][1][:2] == b"\xff\xd8"
    variant.refresh_from_db()
    assert variant.external_url == "https://t.me/perpusa/42"


def test_telegram_send_message(make_channel, make_variant):
    variant = make_variant(make_channel(Network.TELEGRAM), text="Perpustakaan tutup hari Senin",
                           state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        send = router.post(f"{TG}/sendMessage").respond(200, json={"ok": True, "result": {
            "message_id": 7, "chat": {"id": -1001234567890, "type": "channel"}, "date": 1700000000,
            "text": "Perpustakaan tutup hari Senin"}})
        publishing.publish(variant.pk, now=due(variant))
    assert form(send.calls.last.request) == {"chat_id": "@perpusa", "text": "Perpustakaan tutup hari Senin"}


def test_bluesky_session_blob_record_with_byte_facets(make_channel, make_variant, make_image):
    channel = make_channel(Network.BLUESKY)
    image = make_image(1200, 800, alt="Suasana sharing session")
    text = "Sesi berbagi 🎉 daftar: https://sapa.example.id/e/sesi/ #literasi"
    variant = make_variant(channel, text=text, media=[image], state="scheduled")
    blob = {"$type": "blob", "ref": {"$link": "bafkreibabalobzn6cd366ukcsjycp4yymjymgfxcv6xczmlgpemzkz3cfa"},
            "mimeType": "image/jpeg", "size": 12345}
    with respx.mock(assert_all_called=True) as router:
        session = router.post(f"{BSKY}/com.atproto.server.createSession").respond(200, json={
            "accessJwt": "jwt-access", "refreshJwt": "jwt-refresh", "handle": "perpus.bsky.social",
            "did": "did:plc:perpusa"})
        upload = router.post(f"{BSKY}/com.atproto.repo.uploadBlob").respond(200, json={"blob": blob})
        create = router.post(f"{BSKY}/com.atproto.repo.createRecord").respond(200, json={
            "uri": "at://did:plc:perpusa/app.bsky.feed.post/3kabc", "cid": "bafyreid"})
        assert publishing.publish(variant.pk, now=due(variant)) == VariantState.PUBLISHED
    assert json.loads(session.calls.last.request.content) == {
        "identifier": "perpus.bsky.social", "password": "abcd-efgh-ijkl-mnop"}
    up = upload.calls.last.request
    assert up.headers["Authorization"] == "Bearer jwt-access" and up.headers["Content-Type"] == "image/jpeg"
    body = json.loads(create.calls.last.request.content)
    variant.refresh_from_db()
    assert body["repo"] == "did:plc:perpusa" and body["collection"] == "app.bsky.feed.post"
    assert body["rkey"] == variant.publish_data["rkey"] and len(body["rkey"]) == 13
    record = body["record"]
    assert record["$type"] == "app.bsky.feed.post" and record["text"] == text and record["langs"] == ["id"]
    link = next(f for f in record["facets"] if f["features"][0]["$type"] == "app.bsky.richtext.facet#link")
    encoded = text.encode()
    # Byte offsets: the emoji before the link takes 4 bytes, not 1 or 2.
    assert encoded[link["index"]["byteStart"]:link["index"]["byteEnd"]] == b"https://sapa.example.id/e/sesi/"
    tag = next(f for f in record["facets"] if f["features"][0]["$type"] == "app.bsky.richtext.facet#tag")
    assert encoded[tag["index"]["byteStart"]:tag["index"]["byteEnd"]] == b"#literasi"
    assert record["embed"] == {"$type": "app.bsky.embed.images", "images": [{
        "alt": "Suasana sharing session", "image": blob, "aspectRatio": {"width": 1200, "height": 800}}]}
    assert variant.external_url == f"https://bsky.app/profile/perpus.bsky.social/post/{body['rkey']}"


def test_x_publish(make_channel, make_variant):
    variant = make_variant(make_channel(Network.X), text="Ayo ke perpustakaan!", state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        tweet = router.post(f"{XAPI}/tweets").respond(201, json={"data": {
            "id": "1445880548472328192", "text": "Ayo ke perpustakaan!"}})
        assert publishing.publish(variant.pk, now=due(variant)) == VariantState.PUBLISHED
    sent = tweet.calls.last.request
    assert sent.headers["Authorization"] == "Bearer x-user-token"
    assert json.loads(sent.content) == {"text": "Ayo ke perpustakaan!"}
    variant.refresh_from_db()
    assert variant.external_url == "https://x.com/perpusa/status/1445880548472328192"


# --- Errors, the same for every network ---------------------------------------------------------------

def _ig_setup(router):
    router.get(f"{GRAPH}/17841400000000001/content_publishing_limit").respond(200, json={
        "data": [{"quota_usage": 0, "config": {"quota_total": 50, "quota_duration": 86400}}]})
    router.post(f"{GRAPH}/17841400000000001/media").respond(200, json={"id": "1788"})
    router.get(f"{GRAPH}/1788").respond(200, json={"status_code": "FINISHED", "id": "1788"})
    router.get(f"{GRAPH}/1792").respond(200, json={"permalink": "https://www.instagram.com/p/X/"})


def _bsky_setup(router):
    router.post(f"{BSKY}/com.atproto.server.createSession").respond(200, json={
        "accessJwt": "jwt", "refreshJwt": "r", "handle": "perpus.bsky.social", "did": "did:plc:perpusa"})


FB_ERR = {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100, "fbtrace_id": "AbC"}
FB_EXPIRED = {"message": "Error validating access token: Session has expired on Tuesday, 21-Jul-20 "
                         "09:00:00 PDT.", "type": "OAuthException", "code": 190, "error_subcode": 463,
              "fbtrace_id": "AbD"}

CASES = {
    Network.MASTODON: dict(
        create=("POST", f"{MASTO}/api/v1/statuses"),
        ok={"id": "1", "url": f"{MASTO}/@perpusa/1", "uri": "x"},
        refused=(422, {"error": "Validation failed: Text character limit of 500 exceeded"}),
        refused_message="Validation failed: Text character limit of 500 exceeded",
        expired=(401, {"error": "The access token is invalid"}),
        rate_limited=(429, {"error": "Too many requests"}),
    ),
    Network.FACEBOOK_PAGE: dict(
        create=("POST", f"{GRAPH}/1234567890/feed"),
        ok={"id": "1234567890_1"},
        refused=(400, {"error": FB_ERR}), refused_message="(#100) Invalid parameter",
        expired=(400, {"error": FB_EXPIRED}),
        rate_limited=(429, {"error": {"message": "(#32) Page request limit reached", "code": 32}}),
    ),
    Network.INSTAGRAM: dict(
        setup=_ig_setup, media=True,
        create=("POST", f"{GRAPH}/17841400000000001/media_publish"),
        ok={"id": "1792"},
        refused=(400, {"error": {"message": "The user is not an Instagram Business", "type": "OAuthException",
                                 "code": 10, "fbtrace_id": "x"}}),
        refused_message="The user is not an Instagram Business",
        expired=(401, {"error": {**FB_EXPIRED}}),
        rate_limited=(429, {"error": {"message": "Application request limit reached", "code": 4}}),
    ),
    Network.TELEGRAM: dict(
        create=("POST", f"{TG}/sendMessage"),
        ok={"ok": True, "result": {"message_id": 5, "chat": {"id": -100123, "type": "channel"}}},
        refused=(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
        refused_message="Bad Request: chat not found",
        expired=(401, {"ok": False, "error_code": 401, "description": "Unauthorized"}),
        rate_limited=(429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 120",
                            "parameters": {"retry_after": 120}}),
        no_header=True,
    ),
    Network.BLUESKY: dict(
        setup=_bsky_setup,
        create=("POST", f"{BSKY}/com.atproto.repo.createRecord"),
        ok={"uri": "at://did:plc:perpusa/app.bsky.feed.post/3k", "cid": "bafy"},
        refused=(400, {"error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record: Record/text "
                                                              "must not be longer than 300 graphemes"}),
        refused_message=("Invalid app.bsky.feed.post record: Record/text must not be longer than 300 "
                         "graphemes (InvalidRequest)"),
        expired=(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}),
        rate_limited=(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}),
    ),
    Network.X: dict(
        create=("POST", f"{XAPI}/tweets"),
        ok={"data": {"id": "99", "text": "t"}},
        refused=(403, {"detail": "You are not allowed to create a Tweet with duplicate content.",
                       "type": "about:blank", "title": "Forbidden", "status": 403}),
        refused_message="You are not allowed to create a Tweet with duplicate content.",
        expired=(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}),
        rate_limited=(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                            "status": 429}),
    ),
}


@pytest.fixture
def case_variant(make_channel, make_variant, make_image):
    def make(network):
        case = CASES[network]
        media = [make_image(1080, 1080, alt="Poster")] if case.get("media") else []
        return make_variant(make_channel(network), text="Kabar perpustakaan", media=media, state="scheduled")

    return make


def _routes(router, network):
    case = CASES[network]
    if case.get("setup"):
        case["setup"](router)
    method, url = case["create"]
    return router.route(method=method, url=url)


@pytest.mark.parametrize("network", list(CASES))
def test_rate_limited_429_honours_retry_after(network, case_variant):
    variant = case_variant(network)
    case = CASES[network]
    status, body = case["rate_limited"]
    headers = {} if case.get("no_header") else {"Retry-After": "120"}
    with respx.mock(assert_all_called=False) as router:
        _routes(router, network).respond(status, json=body, headers=headers)
        before = due(variant)
        assert publishing.publish(variant.pk, now=before) == VariantState.SCHEDULED
    variant.refresh_from_db()
    wait = (variant.next_attempt_at - before).total_seconds()
    assert 115 <= wait <= 130, wait  # Retry-After (120 s), not the 30 s backoff
    assert variant.attempts == 1 and variant.state == VariantState.SCHEDULED
    # Not due again before then.
    assert publishing.publish(variant.pk, now=before + timedelta(seconds=60)) == "skipped"


@pytest.mark.parametrize("network", list(CASES))
def test_server_error_then_success(network, case_variant):
    variant = case_variant(network)
    case = CASES[network]
    with respx.mock(assert_all_called=False) as router:
        route = _routes(router, network)
        route.side_effect = [httpx.Response(503, text="Service Unavailable"),
                             httpx.Response(201 if network == Network.X else 200, json=case["ok"])]
        assert publishing.publish(variant.pk, now=due(variant)) == VariantState.SCHEDULED
        variant.refresh_from_db()
        assert variant.error_message and variant.next_attempt_at is not None
        later = variant.next_attempt_at + timedelta(seconds=1)
        assert publishing.publish(variant.pk, now=later) == VariantState.PUBLISHED
        assert route.call_count == 2
    variant.refresh_from_db()
    assert variant.attempts == 2 and variant.external_id


@pytest.mark.parametrize("network", list(CASES))
def test_refusal_fails_with_the_networks_message(network, case_variant):
    variant = case_variant(network)
    case = CASES[network]
    with respx.mock(assert_all_called=False) as router:
        _routes(router, network).respond(case["refused"][0], json=case["refused"][1])
        assert publishing.publish(variant.pk, now=due(variant)) == VariantState.FAILED
    variant.refresh_from_db()
    assert variant.error_message == case["refused_message"]
    assert variant.post.status == VariantState.FAILED


@pytest.mark.parametrize("network", list(CASES))
def test_expired_token_marks_channel_and_emails_admins_once(network, case_variant, make_variant, admin_user):
    variant = case_variant(network)
    case = CASES[network]
    with respx.mock(assert_all_called=False) as router:
        route = _routes(router, network)
        route.respond(case["expired"][0], json=case["expired"][1])
        if network == Network.BLUESKY:
            # The session itself is refused too (an app password that was revoked).
            router.post(f"{BSKY}/com.atproto.server.createSession").respond(
                401, json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
        assert publishing.publish(variant.pk, now=due(variant)) == VariantState.SCHEDULED
        variant.refresh_from_db()
        channel = variant.channel
        assert channel.status == ChannelStatus.NEEDS_RECONNECT
        # A second post of the same channel is held, not failed, and no second email goes out.
        other = make_variant(channel, text="Kabar kedua", state="approved")
        other.scheduled_at = variant.scheduled_at
        assert publishing.publish(other.pk, now=due(variant)) == "skipped"
        assert publishing.mark_needs_reconnect(channel, "again") is False
    emails = Email.objects.filter(dedupe_key__startswith="social-reconnect:")
    assert emails.count() == 1
    assert emails.get().to == [admin_user.email]
    assert channel.name in emails.get().subject and case["expired"][1] and channel.name in emails.get().body_text
    assert "Waiting for the channel to be reconnected" in variant.error_message
    # Reconnecting queues the held post again.
    with respx.mock(assert_all_called=False) as router:
        _routes(router, network).respond(201 if network == Network.X else 200, json=case["ok"])
        services.reconnect_channel(channel, by=admin_user, credentials=channel.credentials)
        channel.refresh_from_db()
        assert channel.status == ChannelStatus.OK
        variant.refresh_from_db()
        assert publishing.publish(variant.pk, now=due(variant, 5)) == VariantState.PUBLISHED


def test_telegram_timeout_after_sending_is_checked_by_hand(make_channel, make_variant):
    """Telegram cannot list a channel's messages: an answer that never came is not re-posted."""
    variant = make_variant(make_channel(Network.TELEGRAM), text="Info", state="scheduled")
    with respx.mock() as router:
        router.post(f"{TG}/sendMessage").mock(side_effect=httpx.ReadTimeout("timed out"))
        assert publishing.publish(variant.pk, now=due(variant)) == VariantState.NEEDS_CHECK
        assert router.calls.call_count == 1
    variant.refresh_from_db()
    assert "could not tell whether this post went out" in variant.error_message


def test_facebook_timeout_then_found_among_recent_posts(make_channel, make_variant):
    variant = make_variant(make_channel(Network.FACEBOOK_PAGE), text="Pameran buku langka minggu depan",
                           state="scheduled")
    with respx.mock() as router:
        router.post(f"{GRAPH}/1234567890/feed").mock(side_effect=httpx.ReadTimeout("timed out"))
        feed = router.get(f"{GRAPH}/1234567890/feed").respond(200, json={"data": [
            {"id": "1234567890_1", "message": "Pameran buku langka minggu depan",
             "created_time": timezone.now().strftime("%Y-%m-%dT%H:%M:%S+0000"),
             "permalink_url": "https://www.facebook.com/perpusa/posts/1"}]})
        assert publishing.publish(variant.pk, now=due(variant)) == VariantState.PUBLISHED
    assert feed.calls.last.request.url.params["fields"] == "id,message,created_time,permalink_url"
    variant.refresh_from_db()
    assert variant.external_id == "1234567890_1"


def test_bluesky_expired_access_token_opens_a_new_session(make_channel, make_variant):
    variant = make_variant(make_channel(Network.BLUESKY), text="Halo", state="scheduled")
    with respx.mock() as router:
        session = router.post(f"{BSKY}/com.atproto.server.createSession").respond(200, json={
            "accessJwt": "jwt", "refreshJwt": "r", "handle": "perpus.bsky.social", "did": "did:plc:perpusa"})
        router.post(f"{BSKY}/com.atproto.repo.createRecord").mock(side_effect=[
            httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"}),
            httpx.Response(200, json={"uri": "at://did:plc:perpusa/app.bsky.feed.post/3k", "cid": "c"}),
        ])
        assert publishing.publish(variant.pk, now=due(variant)) == VariantState.PUBLISHED
        assert session.call_count == 2


def test_bluesky_helpers():
    assert len(make_tid()) == 13 and make_tid(0, 0) == "2222222222222"
    text = "ñ https://a.id #tag"
    link, tag = facets(text)
    assert link["index"] == {"byteStart": 3, "byteEnd": 15}
    assert tag["index"] == {"byteStart": 16, "byteEnd": 20}


def test_test_connection_mastodon(make_channel, admin_user):
    channel = make_channel(Network.MASTODON, account_id="", handle="")
    with respx.mock() as router:
        verify = router.get(f"{MASTO}/api/v1/accounts/verify_credentials").respond(200, json={
            "id": "109", "username": "perpusa", "acct": "perpusa"})
        ok, label = services.test_connection(channel, by=admin_user)
    assert ok and label == "@perpusa"
    assert verify.calls.last.request.headers["Authorization"] == "Bearer masto-token"
    channel.refresh_from_db()
    assert channel.account_id == "109" and channel.last_tested_at


def test_test_connection_reports_the_error(make_channel, admin_user):
    channel = make_channel(Network.TELEGRAM)
    with respx.mock() as router:
        router.get(f"{TG}/getMe").respond(401, json={"ok": False, "error_code": 401,
                                                     "description": "Unauthorized"})
        assert services.test_connection(channel, by=admin_user) == (False, "Unauthorized")
