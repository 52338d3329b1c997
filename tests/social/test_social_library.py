"""Credentials at rest, the media library and its fitting, templates, time slots, metrics."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import respx
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from sapa.social import crypto, metrics, services
from sapa.social.media import MediaError, add_media, fit_for_network
from sapa.social.models import (
    Channel,
    HashtagSet,
    MetricsSource,
    Network,
    PostTemplate,
    VariantState,
)
from sapa.social.validation import LIMITS, check_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


# --- Credentials ---------------------------------------------------------------------------------

def test_credentials_are_encrypted_at_rest(make_channel):
    channel = make_channel(Network.MASTODON)
    with connection.cursor() as cur:
        cur.execute("SELECT credentials_encrypted FROM social_channel WHERE id = %s", [channel.pk])
        stored = cur.fetchone()[0]
    assert "masto-token" not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert Channel.objects.get(pk=channel.pk).credentials == {"access_token": "masto-token"}


def test_encryption_key_from_environment_and_rotation(make_channel, settings):
    settings.SAPA_ENCRYPTION_KEY = "kata sandi panjang pertama"
    channel = make_channel(Network.X)
    settings.SAPA_ENCRYPTION_KEY = "kunci-kedua,kata sandi panjang pertama"
    assert Channel.objects.get(pk=channel.pk).credentials == {"access_token": "x-user-token"}
    assert services.rotate_credentials() == 1
    settings.SAPA_ENCRYPTION_KEY = "kunci-kedua"
    assert Channel.objects.get(pk=channel.pk).credentials == {"access_token": "x-user-token"}
    settings.SAPA_ENCRYPTION_KEY = "kunci-lain"
    with pytest.raises(crypto.CredentialsUnreadable):
        Channel.objects.get(pk=channel.pk).credentials  # noqa: B018


def test_a_real_fernet_key_is_used_as_given(settings):
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    settings.SAPA_ENCRYPTION_KEY = key
    token = crypto.encrypt("rahasia")
    assert Fernet(key.encode()).decrypt(token.encode()) == b"rahasia"


# --- Media ------------------------------------------------------------------------------------------

def test_upload_records_facts_and_refuses_non_images(library):
    buf = io.BytesIO()
    Image.new("RGB", (640, 480)).save(buf, "PNG")
    item = add_media(library, SimpleUploadedFile("foto.png", buf.getvalue()), alt_text="Ruang baca")
    assert (item.width, item.height, item.format, item.size_bytes) == (640, 480, "PNG", len(buf.getvalue()))
    assert item.mime_type == "image/png"
    video = add_media(library, SimpleUploadedFile("liputan.mp4", b"\x00\x00\x00\x18ftypmp42"))
    assert video.kind == "video" and video.format == "MP4"
    with pytest.raises(MediaError):
        add_media(library, SimpleUploadedFile("bukan.jpg", b"not an image"))


def test_fit_for_instagram_crops_1_to_3_to_4_to_5(make_image):
    tall = make_image(1200, 3600, alt="Poster")
    limits = LIMITS[Network.INSTAGRAM]
    assert [p.code for p in check_image(tall, Network.INSTAGRAM, limits)] == ["image_ratio"]
    fitted = fit_for_network(tall, Network.INSTAGRAM)
    assert (fitted.width, fitted.height) == (1080, 1350)
    assert fitted.format == "JPEG" and fitted.derived_from == tall and fitted.alt_text == "Poster"
    assert check_image(fitted, Network.INSTAGRAM, limits) == []
    with fitted.file.open("rb") as fh, Image.open(fh) as img:
        assert img.size == (1080, 1350)


def test_fit_for_bluesky_compresses_under_a_million_bytes(library):
    import os

    noisy = Image.frombytes("RGB", (2400, 1800), os.urandom(2400 * 1800 * 3))
    buf = io.BytesIO()
    noisy.save(buf, "PNG")
    item = add_media(library, SimpleUploadedFile("noise.png", buf.getvalue()), alt_text="Noise")
    assert item.size_bytes > 1_000_000
    fitted = fit_for_network(item, Network.BLUESKY)
    assert fitted.size_bytes <= 1_000_000
    assert check_image(fitted, Network.BLUESKY, LIMITS[Network.BLUESKY]) == []


# --- Templates, hashtags, time slots --------------------------------------------------------------

@pytest.fixture
def sharing_event(library):
    from factories import ARTICLE_SESSION, make_event

    return make_event(library, title="Sharing Session Medsos", starts_at=ARTICLE_SESSION, categories=False)


def test_template_placeholders(library, admin_user, sharing_event, make_channel):
    from django.utils import translation

    from sapa.promotion.models import ShortLink

    tags = HashtagSet.objects.create(library=library, name="Umum", hashtags="#Perpustakaan literasi #perpustakaan")
    template = PostTemplate.objects.create(
        library=library, name="Acara", hashtag_set=tags,
        text="Ikuti {event_title} pada {event_date}. Daftar: {registration_link} {unknown}")
    instagram = make_channel(Network.INSTAGRAM)
    with translation.override("id"):
        text = services.render_template(template, event=sharing_event, channel=instagram)
    link = ShortLink.objects.get(event=sharing_event, channel="instagram", content_type__isnull=True)
    assert text.startswith("Ikuti Sharing Session Medsos pada Selasa, 21 Juli 2020, 09.00 WIB. Daftar: "
                           f"https://sapa.example.id/s/{link.code} {{unknown}}")
    assert text.endswith("#Perpustakaan #literasi")


def test_registration_link_is_the_channels_tracked_short_link(client, library, admin_user, sharing_event,
                                                              make_channel):
    """Each channel's text carries its own short link, so a click (and the registration it brings)
    counts for that channel; the same link every time for the same channel."""
    from sapa.promotion.models import ShortLink

    instagram, facebook = make_channel(Network.INSTAGRAM), make_channel(Network.FACEBOOK_PAGE)
    mastodon, bluesky = make_channel(Network.MASTODON), make_channel(Network.BLUESKY)
    template = PostTemplate.objects.create(library=library, name="Acara", text="Daftar: {registration_link}")
    post = services.post_from_template(library, template, [instagram, facebook, mastodon, bluesky],
                                       by=admin_user, title="Sharing session", event=sharing_event)
    texts = {v.channel.network: v.text for v in post.variants.select_related("channel")}
    links = {(link.channel, link.label): link for link in ShortLink.objects.filter(event=sharing_event)}
    assert set(links) == {("instagram", ""), ("facebook", ""), ("other", "mastodon"), ("other", "bluesky")}
    assert texts[Network.INSTAGRAM] == f"Daftar: {links['instagram', ''].url}"
    assert texts[Network.FACEBOOK_PAGE] == f"Daftar: {links['facebook', ''].url}"
    assert texts[Network.MASTODON] == f"Daftar: {links['other', 'mastodon'].url}"
    assert texts[Network.BLUESKY] == f"Daftar: {links['other', 'bluesky'].url}"
    assert len(set(texts.values())) == 4
    # The link is not appended a second time: the text has it already.
    assert all(not v.link for v in post.variants.all())
    # Rendering again reuses the same link.
    assert services.render_template(template, event=sharing_event, channel=instagram) == texts[Network.INSTAGRAM]
    assert ShortLink.objects.filter(event=sharing_event).count() == 4
    # The click goes to the event page tagged with the channel (promotion attributes it from there).
    response = client.get(links["instagram", ""].path)
    assert response.status_code == 302
    assert response["Location"].startswith("/e/sharing-session/?")
    assert "utm_source=instagram" in response["Location"] and "utm_campaign=sharing-session" in response["Location"]


def test_registration_link_without_a_channel_is_the_general_short_link(library, sharing_event):
    from sapa.promotion.models import ShortLink

    link = services.registration_link(sharing_event)
    assert link == ShortLink.objects.get(event=sharing_event, channel="other", label="").url


def test_registration_link_falls_back_to_the_event_page_without_promotion(sharing_event, make_channel,
                                                                        monkeypatch):
    from django.apps import apps

    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: False if name == "sapa.promotion" else real(name))
    assert services.registration_link(sharing_event, make_channel(Network.X)) == \
        "https://sapa.example.id/e/sharing-session/"


def test_next_free_slot(make_channel, make_variant, library):
    channel = make_channel(Network.MASTODON, time_slots=[{"weekday": 1, "times": ["19:00", "09:00"]}])
    tz = ZoneInfo("Asia/Jakarta")
    monday = datetime(2030, 1, 7, 12, 0, tzinfo=tz)  # a Monday
    first = services.next_free_slot(channel, after=monday)
    assert first == datetime(2030, 1, 8, 9, 0, tzinfo=tz)
    make_variant(channel, at=first)
    assert services.next_free_slot(channel, after=monday) == datetime(2030, 1, 8, 19, 0, tzinfo=tz)
    assert services.next_free_slot(make_channel(Network.X)) is None


# --- Metrics ---------------------------------------------------------------------------------------

def _published(variant, external_id, url=""):
    variant.state = VariantState.PUBLISHED
    variant.external_id = external_id
    variant.external_url = url
    variant.published_at = timezone.now()
    variant.save()
    return variant


def test_fetch_metrics_from_mastodon(make_channel, make_variant):
    variant = _published(make_variant(make_channel(Network.MASTODON)), "1100")
    with respx.mock() as router:
        router.get("https://mastodon.example/api/v1/statuses/1100").respond(200, json={
            "id": "1100", "favourites_count": 12, "reblogs_count": 3, "replies_count": 2})
        assert metrics.fetch_recent() == {"fetched": 1, "failed": 0}
    row = metrics.latest(variant)
    assert (row.likes, row.shares, row.comments, row.source) == (12, 3, 2, MetricsSource.API)


META_CSV = (
    "\ufeffPost ID,Page ID,Page name,Title,Description,Publish time,Permalink,Post type,Reach,"
    "Reactions,Comments,Shares,Total clicks\n"
    '178900000002,1234567890,Perpus A,,"Sharing session",07/21/2020 09:00,'
    "https://www.facebook.com/1234567890/posts/178900000002,Photos,1200,80,12,9,40\n"
    "999,1234567890,Perpus A,,Other,07/22/2020 09:00,https://www.facebook.com/x,Photos,10,1,0,0,0\n"
)


def test_import_meta_business_suite_csv(make_channel, make_variant, library):
    variant = _published(make_variant(make_channel(Network.FACEBOOK_PAGE)), "1234567890_178900000002")
    result = metrics.import_meta_csv(library, META_CSV.encode())
    assert result.imported == 1 and result.unmatched == ["999"]
    row = metrics.latest(variant)
    assert (row.reach, row.likes, row.comments, row.shares, row.clicks) == (1200, 80, 12, 9, 40)
    assert row.source == MetricsSource.CSV
    assert row.engagement_rate == pytest.approx((80 + 12 + 9 + 40) / 1200)
    assert metrics.engagement_rate_for_channel(variant.channel) == pytest.approx(141 / 1200)


def test_csv_with_a_bad_number_imports_nothing(make_channel, make_variant, library):
    _published(make_variant(make_channel(Network.FACEBOOK_PAGE)), "1234567890_178900000002")
    bad = META_CSV.replace(",1200,", ",banyak,")
    with pytest.raises(metrics.CsvImportError) as error:
        metrics.import_meta_csv(library, bad)
    assert "Line 2" in error.value.errors[0] and "banyak" in error.value.errors[0]
    from sapa.social.models import PostMetrics

    assert PostMetrics.objects.count() == 0
