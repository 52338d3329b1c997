"""Carousels, multi-photo posts and first comments, request by request.

- Instagram carousel: a container per image (image_url, is_carousel_item=true, alt_text),
  each polled until FINISHED; a CAROUSEL container (media_type, children=id,id,..., caption);
  media_publish with its id; the permalink; the first comment POST /{ig-media-id}/comments.
- Facebook multi-photo: each photo POST /{page-id}/photos with published=false, then
  POST /{page-id}/feed with message and attached_media[n]={"media_fbid": id}; the first
  comment POST /{post-id}/comments.
"""

import json
from datetime import timedelta

import httpx
import pytest
import respx
from django.utils import translation
from social_helpers import form

from sapa.social import publishing
from sapa.social.connectors.instagram import InstagramConnector
from sapa.social.models import Network, VariantState

pytestmark = pytest.mark.django_db

GRAPH = "https://graph.facebook.com/v21.0"
IG_USER = "17841400000000001"
PAGE = "1234567890"


@pytest.fixture(autouse=True)
def _english_and_no_wait(monkeypatch):
    monkeypatch.setattr(InstagramConnector, "poll_interval", 0)
    with translation.override("en"):
        yield


def at(variant):
    return variant.scheduled_at + timedelta(seconds=1)


@pytest.fixture
def three_images(make_image):
    return [make_image(1080, 1080, alt=f"Rak buku {n}", name=f"rak-{n}.jpg") for n in range(1, 4)]


def test_instagram_carousel_with_first_comment(make_channel, make_variant, three_images):
    variant = make_variant(make_channel(Network.INSTAGRAM), text="Tiga rak baru #perpustakaan",
                           media=three_images, first_comment="Info lengkap: tautan di bio",
                           state="scheduled")
    calls = []
    children = iter(["17890000000000001", "17890000000000002", "17890000000000003", "17899999999999999"])

    def create(request):
        calls.append(("create", form(request)))
        return httpx.Response(200, json={"id": next(children)})

    def status(request):
        container = request.url.path.rsplit("/", 1)[1]
        calls.append(("status", container))
        return httpx.Response(200, json={"status_code": "FINISHED", "id": container})

    with respx.mock(assert_all_called=True) as router:
        router.get(f"{GRAPH}/{IG_USER}/content_publishing_limit").respond(200, json={
            "data": [{"quota_usage": 3, "config": {"quota_total": 50, "quota_duration": 86400}}]})
        router.post(f"{GRAPH}/{IG_USER}/media").mock(side_effect=create)
        router.get(host="graph.facebook.com", path__regex=r"^/v21\.0/1789\d+$").mock(side_effect=status)
        publish = router.post(f"{GRAPH}/{IG_USER}/media_publish").respond(200, json={"id": "17920238422030506"})
        router.get(f"{GRAPH}/17920238422030506").respond(200, json={
            "permalink": "https://www.instagram.com/p/Carousel1/", "id": "17920238422030506"})
        comment = router.post(f"{GRAPH}/17920238422030506/comments").respond(200, json={"id": "17858893269000001"})
        assert publishing.publish(variant.pk, now=at(variant)) == VariantState.PUBLISHED
    creates = [fields for kind, fields in calls if kind == "create"]
    assert len(creates) == 4
    for n, fields in enumerate(creates[:3], start=1):
        assert fields["is_carousel_item"] == "true" and fields["alt_text"] == f"Rak buku {n}"
        assert fields["image_url"].startswith("https://sapa.example.id/media/social/")
        assert fields["image_url"].endswith(three_images[n - 1].file.name)  # stored under a random name
        assert "caption" not in fields and fields["access_token"] == "EAAB-page-token"
    assert creates[3] == {"media_type": "CAROUSEL", "children": "17890000000000001,17890000000000002,17890000000000003",
                          "caption": "Tiga rak baru #perpustakaan", "access_token": "EAAB-page-token"}
    # Every child is FINISHED before the carousel container is made; the carousel before publishing.
    order = [c if kind == "status" else "create" for kind, c in calls]
    assert order == ["create", "create", "create", "17890000000000001", "17890000000000002",
                     "17890000000000003", "create", "17899999999999999"]
    assert form(publish.calls.last.request) == {"creation_id": "17899999999999999",
                                                "access_token": "EAAB-page-token"}
    assert form(comment.calls.last.request) == {"message": "Info lengkap: tautan di bio",
                                                "access_token": "EAAB-page-token"}
    variant.refresh_from_db()
    assert variant.external_id == "17920238422030506"
    assert variant.external_url == "https://www.instagram.com/p/Carousel1/"
    assert variant.publish_data["container_id"] == "17899999999999999"
    assert variant.error_message == ""


def test_instagram_child_that_fails_processing_fails_the_variant(make_channel, make_variant, three_images):
    variant = make_variant(make_channel(Network.INSTAGRAM), text="Rak", media=three_images[:2], state="scheduled")
    ids = iter(["17890000000000001", "17890000000000002"])
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{GRAPH}/{IG_USER}/content_publishing_limit").respond(200, json={
            "data": [{"quota_usage": 0, "config": {"quota_total": 50, "quota_duration": 86400}}]})
        router.post(f"{GRAPH}/{IG_USER}/media").mock(
            side_effect=lambda request: httpx.Response(200, json={"id": next(ids)}))
        router.get(f"{GRAPH}/17890000000000001").respond(200, json={"status_code": "ERROR"})
        publish = router.post(f"{GRAPH}/{IG_USER}/media_publish")
        assert publishing.publish(variant.pk, now=at(variant)) == VariantState.FAILED
        assert not publish.called
    variant.refresh_from_db()
    assert variant.error_message == "Instagram could not process the media (status ERROR)."


def test_instagram_refused_first_comment_keeps_the_post_published_with_a_note(make_channel, make_variant,
                                                                              make_image):
    variant = make_variant(make_channel(Network.INSTAGRAM), text="Satu", media=[make_image()],
                           first_comment="Komentar", state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{GRAPH}/{IG_USER}/content_publishing_limit").respond(200, json={
            "data": [{"quota_usage": 0, "config": {"quota_total": 50, "quota_duration": 86400}}]})
        router.post(f"{GRAPH}/{IG_USER}/media").respond(200, json={"id": "1788"})
        router.get(f"{GRAPH}/1788").respond(200, json={"status_code": "FINISHED"})
        router.post(f"{GRAPH}/{IG_USER}/media_publish").respond(200, json={"id": "1792"})
        router.get(f"{GRAPH}/1792").respond(200, json={"permalink": "https://www.instagram.com/p/X/"})
        router.post(f"{GRAPH}/1792/comments").respond(400, json={"error": {
            "message": "(#100) Comments are turned off for this media", "type": "OAuthException", "code": 100}})
        assert publishing.publish(variant.pk, now=at(variant)) == VariantState.PUBLISHED
    variant.refresh_from_db()
    assert variant.error_message == "first comment: (#100) Comments are turned off for this media"


def test_facebook_multi_photo_post_with_link_and_first_comment(make_channel, make_variant, three_images):
    variant = make_variant(make_channel(Network.FACEBOOK_PAGE), text="Rak baru di lantai dua",
                           link="https://sapa.example.id/s/abc2345", media=three_images,
                           first_comment="Datang ya!", state="scheduled")
    photo_ids = iter(["9001", "9002", "9003"])
    uploads = []

    def photo(request):
        uploads.append(form(request))
        return httpx.Response(200, json={"id": next(photo_ids)})

    with respx.mock(assert_all_called=True) as router:
        router.post(f"{GRAPH}/{PAGE}/photos").mock(side_effect=photo)
        feed = router.post(f"{GRAPH}/{PAGE}/feed").respond(200, json={"id": f"{PAGE}_5550001"})
        comment = router.post(f"{GRAPH}/{PAGE}_5550001/comments").respond(200, json={"id": "5550001_1"})
        assert publishing.publish(variant.pk, now=at(variant)) == VariantState.PUBLISHED
    assert len(uploads) == 3
    for fields in uploads:
        assert fields["published"] == "false" and fields["access_token"] == "EAAB-page-token"
        assert fields["source"][1][:2] == b"\xff\xd8" and fields["source"][0].startswith("rak-")
        assert "caption" not in fields
    assert [f["source"][0] for f in uploads] == ["rak-1.jpg", "rak-2.jpg", "rak-3.jpg"]
    sent = form(feed.calls.last.request)
    assert sent == {
        "message": "Rak baru di lantai dua\n\nhttps://sapa.example.id/s/abc2345",
        "access_token": "EAAB-page-token",
        "attached_media[0]": '{"media_fbid": "9001"}',
        "attached_media[1]": '{"media_fbid": "9002"}',
        "attached_media[2]": '{"media_fbid": "9003"}',
    }
    assert [json.loads(sent[f"attached_media[{n}]"]) for n in range(3)] == [
        {"media_fbid": "9001"}, {"media_fbid": "9002"}, {"media_fbid": "9003"}]
    assert form(comment.calls.last.request) == {"message": "Datang ya!", "access_token": "EAAB-page-token"}
    variant.refresh_from_db()
    assert variant.external_id == f"{PAGE}_5550001"
    assert variant.external_url == f"https://www.facebook.com/{PAGE}_5550001"


def test_facebook_text_post_with_first_comment(make_channel, make_variant):
    variant = make_variant(make_channel(Network.FACEBOOK_PAGE), text="Libur nasional: perpustakaan tutup",
                           first_comment="Buka lagi Senin", state="scheduled")
    with respx.mock(assert_all_called=True) as router:
        feed = router.post(f"{GRAPH}/{PAGE}/feed").respond(200, json={"id": f"{PAGE}_777"})
        comment = router.post(f"{GRAPH}/{PAGE}_777/comments").respond(200, json={"id": "777_1"})
        assert publishing.publish(variant.pk, now=at(variant)) == VariantState.PUBLISHED
    assert form(feed.calls.last.request) == {"message": "Libur nasional: perpustakaan tutup",
                                             "access_token": "EAAB-page-token"}
    assert form(comment.calls.last.request) == {"message": "Buka lagi Senin", "access_token": "EAAB-page-token"}
    assert comment.calls.last.request.url.path == f"/v21.0/{PAGE}_777/comments"
