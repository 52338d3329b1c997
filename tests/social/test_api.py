"""Social media API: channels, posts (create, read, update, review, schedule), the calendar."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone, translation
from factories import make_member

from sapa.libraries.models import Role
from sapa.libraries.services import create_api_token
from sapa.social.models import Channel, Network, Post, PostVariant, VariantState

pytestmark = pytest.mark.django_db

BASE = "/api/v1/libraries/{slug}/social"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def api(user):
    _token, raw = create_api_token(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="en")


def post_json(client, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def channels(make_channel):
    return {"tg": make_channel(Network.TELEGRAM, name="TG Perpus A"),
            "bsky": make_channel(Network.BLUESKY, name="Bluesky Perpus A")}


def test_token_is_required(library, channels):
    response = Client().get(BASE.format(slug=library.slug) + "/channels")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    bad = Client(HTTP_AUTHORIZATION="Bearer sapa_nope").get(BASE.format(slug=library.slug) + "/posts")
    assert bad.status_code == 401


def test_channels_are_listed_without_credentials(admin_user, library, channels):
    client = api(admin_user)
    response = client.get(BASE.format(slug=library.slug) + "/channels")
    assert response.status_code == 200
    data = response.json()
    assert {c["name"] for c in data} == {"TG Perpus A", "Bluesky Perpus A"}
    body = response.content.decode()
    assert "123456:ABC-DEF" not in body and "abcd-efgh" not in body and "credentials" not in body
    one = client.get(BASE.format(slug=library.slug) + f"/channels/{channels['tg'].pk}").json()
    assert (one["network"], one["status"], one["manual"]) == ("telegram", "ok", False)


def test_other_library_answers_404(admin_user, library, other_library, channels):
    client = api(admin_user)
    theirs = Channel.objects.create(library=other_library, network=Network.TELEGRAM, name="TG B")
    their_post = Post.objects.create(library=other_library, title="Punya B")
    for path in ("/channels", "/posts", "/calendar?start=2026-01-01&end=2026-01-31"):
        response = client.get(BASE.format(slug=other_library.slug) + path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    mine = BASE.format(slug=library.slug)
    assert client.get(f"{mine}/channels/{theirs.pk}").status_code == 404
    assert client.get(f"{mine}/posts/{their_post.pk}").status_code == 404
    assert post_json(client, f"{mine}/posts/{their_post.pk}/schedule", {}).status_code == 404
    assert post_json(client, f"{mine}/posts/{their_post.pk}", {"title": "x"}, "patch").status_code == 404
    # Another library's channel in a new post: refused, nothing created.
    response = post_json(client, f"{mine}/posts", {"title": "Campur", "variants": [{"channel": theirs.pk}]})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["code"] == "unknown_channel"
    assert not Post.objects.filter(title="Campur").exists()


def test_staff_creates_a_post_with_variants_and_edits_the_draft(make_user, library, channels, fake_media):
    staff = make_member(library, Role.STAFF, "staff-api@example.org")
    client = api(staff)
    image = fake_media(width=1200, height=900)
    url = BASE.format(slug=library.slug) + "/posts"
    response = post_json(client, url, {
        "title": "Pameran buku langka",
        "note": "untuk pekan literasi",
        "variants": [
            {"channel": channels["tg"].pk, "text": "Pameran buku langka Sabtu ini!", "media": [image.pk]},
            {"channel": channels["bsky"].pk, "text": "Pameran buku langka", "link": "https://perpus.example.id/p"},
        ],
    })
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft"
    assert [(v["network"], v["state"]) for v in data["variants"]] == [("telegram", "draft"), ("bluesky", "draft")]
    assert data["variants"][0]["media"] == [image.pk]
    assert isinstance(data["variants"][1]["problems"], list)
    post = Post.objects.get(pk=data["id"])
    assert post.created_by == staff and post.variants.count() == 2
    assert post.revisions.filter(action="created").exists()
    # Reading it back.
    assert client.get(f"{url}/{post.pk}").json()["title"] == "Pameran buku langka"
    assert client.get(url).json()["count"] == 1
    # Changing the draft's text and media.
    response = post_json(client, f"{url}/{post.pk}", {
        "title": "Pameran buku langka 2026",
        "variants": [{"channel": channels["tg"].pk, "text": "Teks baru", "media": []}],
    }, "patch")
    assert response.status_code == 200, response.content
    tg = PostVariant.objects.get(post=post, channel=channels["tg"])
    assert (tg.text, tg.ordered_media()) == ("Teks baru", [])
    assert Post.objects.get(pk=post.pk).title == "Pameran buku langka 2026"
    # A bad link or unknown media: 422 in the one error body.
    bad = post_json(client, url, {"title": "x", "variants": [{"channel": channels["tg"].pk, "link": "ftp://x",
                                                             "media": [999999]}]})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "invalid"
    assert {d["code"] for d in error["details"]} == {"invalid_link", "unknown_media"}
    # Missing title: ninja's validation, the same body.
    missing = post_json(client, url, {"variants": []})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "invalid"


def test_only_drafts_can_be_changed(admin_user, library, channels, make_variant):
    variant = make_variant(channels["tg"], state="approved")
    client = api(admin_user)
    response = post_json(client, BASE.format(slug=library.slug) + f"/posts/{variant.post_id}", {
        "variants": [{"channel": channels["tg"].pk, "text": "diam-diam diubah"}]}, "patch")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    variant.refresh_from_db()
    assert variant.text != "diam-diam diubah" and variant.state == VariantState.APPROVED


def test_roles_staff_drafts_editors_approve_approved_posts_are_scheduled(make_user, library, channels):
    staff = make_member(library, Role.STAFF, "staff-api@example.org")
    editor = make_member(library, Role.EDITOR, "editor-api@example.org")
    url = BASE.format(slug=library.slug) + "/posts"
    created = post_json(api(staff), url, {"title": "Jam buka", "variants": [
        {"channel": channels["tg"].pk, "text": "Jam buka baru mulai Senin."}]}).json()
    post_url = f"{url}/{created['id']}"
    # Not approved yet: scheduling is refused.
    refused = post_json(api(staff), f"{post_url}/schedule", {})
    assert refused.status_code == 409
    assert api(staff).post(f"{post_url}/submit").json()["status"] == "in_review"
    forbidden = post_json(api(staff), f"{post_url}/approve", {})
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    bad = post_json(api(editor), f"{post_url}/approve", {"comment": ["not", "text"]})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid"
    approved = post_json(api(editor), f"{post_url}/approve", {"comment": "Oke"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    at = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    scheduled = post_json(api(staff), f"{post_url}/schedule", {"scheduled_at": at.isoformat()})
    assert scheduled.status_code == 200, scheduled.content
    variant = scheduled.json()["variants"][0]
    assert variant["state"] == "scheduled"
    assert datetime.fromisoformat(variant["scheduled_at"]) == at


def test_schedule_refused_with_the_networks_problems(admin_user, library, channels, make_variant):
    variant = make_variant(channels["bsky"], text="a" * 301, state="approved",
                           at=timezone.now() + timedelta(hours=1))
    client = api(admin_user)
    # No body: each variant at its own time.
    response = client.post(BASE.format(slug=library.slug) + f"/posts/{variant.post_id}/schedule")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"]  # in the token owner's language
    problem = error["details"][0]
    assert problem["code"] == "text_too_long" and problem["field"] == "text"
    assert problem["channel"] == channels["bsky"].pk
    assert "Bluesky Perpus A" in problem["message"] and "300" in problem["message"]
    variant.refresh_from_db()
    assert variant.state == VariantState.APPROVED
    # A time in the past is a problem too.
    past = (timezone.now() - timedelta(days=1)).isoformat()
    ok_variant = make_variant(channels["tg"], state="approved")
    schedule_url = BASE.format(slug=library.slug) + f"/posts/{ok_variant.post_id}/schedule"
    garbage = client.post(schedule_url, "{nope", content_type="application/json")
    assert garbage.status_code == 400 and garbage.json()["error"]["code"] == "bad_request"
    response = post_json(client, BASE.format(slug=library.slug) + f"/posts/{ok_variant.post_id}/schedule",
                         {"scheduled_at": past})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["code"] == "time_past"


def test_calendar_range_and_filters(admin_user, library, channels, make_variant):
    tz = ZoneInfo(library.time_zone)
    base = (timezone.now() + timedelta(days=40)).astimezone(tz).replace(hour=9, minute=0, second=0,
                                                                         microsecond=0)
    day1 = make_variant(channels["tg"], text="Hari 1", at=base)
    day3 = make_variant(channels["bsky"], text="Hari 3", at=base + timedelta(days=2), state="approved")
    late = make_variant(channels["tg"], text="Hari 3 malam", at=(base + timedelta(days=2)).replace(hour=23, minute=30))
    make_variant(channels["tg"], text="Hari 10", at=base + timedelta(days=9))
    client = api(admin_user)
    url = BASE.format(slug=library.slug) + "/calendar"
    start, end = base.date(), (base + timedelta(days=2)).date()
    response = client.get(url, {"start": start.isoformat(), "end": end.isoformat()})
    assert response.status_code == 200
    assert [v["id"] for v in response.json()] == [day1.pk, day3.pk, late.pk]
    by_channel = client.get(url, {"start": start.isoformat(), "end": end.isoformat(), "channel": channels["tg"].pk})
    assert [v["id"] for v in by_channel.json()] == [day1.pk, late.pk]
    by_status = client.get(url, {"start": start.isoformat(), "end": end.isoformat(), "status": "approved"})
    assert [v["id"] for v in by_status.json()] == [day3.pk]
    several = client.get(url, {"start": start.isoformat(), "end": end.isoformat(), "status": "approved,draft"})
    assert len(several.json()) == 3
    bad = client.get(url, {"start": start.isoformat(), "end": end.isoformat(), "status": "maybe"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"
    backwards = client.get(url, {"start": end.isoformat(), "end": start.isoformat()})
    assert backwards.status_code == 400
    missing = client.get(url, {"start": start.isoformat()})
    assert missing.status_code == 422


def test_openapi_lists_the_social_paths(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    base = "/api/v1/libraries/{slug}/social"
    assert "get" in paths[f"{base}/channels"]
    assert "get" in paths[f"{base}/channels/{{channel_id}}"]
    assert {"get", "post"} <= set(paths[f"{base}/posts"])
    assert {"get", "patch"} <= set(paths[f"{base}/posts/{{post_id}}"])
    schedule = paths[f"{base}/posts/{{post_id}}/schedule"]["post"]
    assert "scheduled_at" in json.dumps(schedule["requestBody"])
    assert "get" in paths[f"{base}/calendar"]
    schemas = json.dumps(client.get("/api/v1/openapi.json").json()["components"]["schemas"]["ChannelOut"])
    assert "credentials" not in schemas
