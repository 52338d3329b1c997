"""Fixtures of the social tests: channels with credentials, images, posts in each state."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from sapa.social import services, workflow
from sapa.social.media import add_media
from sapa.social.models import Channel, MediaItem, MediaKind, Network

CREDENTIALS = {
    Network.FACEBOOK_PAGE: {"access_token": "EAAB-page-token"},
    Network.INSTAGRAM: {"access_token": "EAAB-page-token"},
    Network.TELEGRAM: {"bot_token": "123456:ABC-DEF"},
    Network.MASTODON: {"access_token": "masto-token"},
    Network.BLUESKY: {"identifier": "perpus.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"},
    Network.X: {"access_token": "x-user-token"},
}
ACCOUNTS = {
    Network.FACEBOOK_PAGE: ("1234567890", "perpusa"),
    Network.INSTAGRAM: ("17841400000000001", "perpusa"),
    Network.TELEGRAM: ("@perpusa", "perpusa"),
    Network.MASTODON: ("109000000000000001", "perpusa"),
    Network.BLUESKY: ("did:plc:perpusa", "perpus.bsky.social"),
    Network.X: ("2244994945", "perpusa"),
}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SAPA_SOCIAL_RETRY_BASE = 30
    settings.SAPA_SOCIAL_PUBLISH_LEASE = 600
    settings.BASE_URL = "https://sapa.example.id"


@pytest.fixture
def make_channel(library, admin_user):
    def make(network, name=None, **fields):
        account_id, handle = ACCOUNTS.get(network, ("", ""))
        fields.setdefault("account_id", account_id)
        fields.setdefault("handle", handle)
        if network == Network.MASTODON:
            fields.setdefault("server_url", "https://mastodon.example")
            fields.setdefault("server_limits", {"max_characters": 500, "max_media_attachments": 4,
                                                "characters_reserved_per_url": 23})
            fields.setdefault("server_limits_fetched_at", timezone.now())
        return services.create_channel(library, network=network, name=name or f"Perpus A {network}",
                                       by=admin_user, credentials=CREDENTIALS.get(network), **fields)

    return make


def image_bytes(width, height, fmt="JPEG", color=(20, 120, 90)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, fmt)
    return buf.getvalue()


@pytest.fixture
def make_image(library):
    def make(width=1080, height=1080, fmt="JPEG", alt="Poster sharing session", name=None):
        ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[fmt]
        upload = SimpleUploadedFile(name or f"img-{width}x{height}.{ext}", image_bytes(width, height, fmt))
        return add_media(library, upload, alt_text=alt)

    return make


@pytest.fixture
def fake_media(library):
    """A media row with the given facts and no real file (the checks only read the facts)."""

    def make(width=1080, height=1080, fmt="JPEG", size=200_000, alt="Poster", name="poster.jpg",
             kind=MediaKind.IMAGE):
        return MediaItem.objects.create(library=library, kind=kind, file=f"social/{name}", original_name=name,
                                        width=width, height=height, format=fmt, size_bytes=size, alt_text=alt)

    return make


@pytest.fixture
def make_variant(library, admin_user):
    """A post with one variant on `channel`, moved to `state` through the workflow."""

    def make(channel, text="Ikuti sharing session kami!", media=(), state="draft", at=None, **fields):
        post = services.create_post(library, by=admin_user, title=f"Post {channel.network}")
        variant = services.add_variant(post, channel, by=admin_user, text=text, media=list(media),
                                       scheduled_at=at or timezone.now() + timedelta(minutes=1), **fields)
        if state in ("in_review", "approved", "scheduled"):
            workflow.submit_for_review(post, by=admin_user)
        if state in ("approved", "scheduled"):
            workflow.approve(post, by=admin_user)
        if state == "scheduled":
            variant.refresh_from_db()
            workflow.schedule(variant, by=admin_user)
        variant.refresh_from_db()
        return variant

    return make


def due(minutes=2):
    """A moment after the fixtures' scheduled time."""
    return timezone.now() + timedelta(minutes=minutes)


@pytest.fixture
def refresh():
    def do(obj):
        obj.refresh_from_db()
        return obj

    return do


__all__ = ["Channel", "due", "image_bytes"]
