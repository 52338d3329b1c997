"""Per-network checks before scheduling, each with the message that says what to change."""

import dataclasses

import pytest
import respx
from django.utils import translation

from sapa.social import text as textcount
from sapa.social.models import Network
from sapa.social.validation import validate_variant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def problems(variant, **kw):
    # File sizes are written with a no-break space ("8.0\xa0MB").
    return {p.code: dataclasses.replace(p, message=p.message.replace("\xa0", " "))
            for p in validate_variant(variant, **kw)}


def messages(variant):
    return [p.message for p in validate_variant(variant)]


def test_bluesky_301_graphemes(make_channel, make_variant):
    channel = make_channel(Network.BLUESKY)
    # 300 family emoji (each one grapheme of 7 code points) and one letter: 301 graphemes.
    text = "👩‍👩‍👧" * 150 + "a" * 151
    assert textcount.graphemes(text) == 301 and len(text) > 301
    found = problems(make_variant(channel, text=text))
    assert found["text_too_long"].message == "Bluesky allows 300 characters; this text has 301. Shorten it by 1."
    ok = make_variant(make_channel(Network.BLUESKY, name="B2"), text=text[:-1])
    assert "text_too_long" not in problems(ok)


def test_bluesky_byte_limit_and_image_size(make_channel, make_variant, fake_media):
    channel = make_channel(Network.BLUESKY)
    big = fake_media(size=1_000_001, name="foto.jpg")
    found = problems(make_variant(channel, text="é" * 10, media=[big]))
    assert "Bluesky accepts images up to" in found["image_too_large"].message
    assert "foto.jpg is 976.6" in found["image_too_large"].message


def test_instagram_image_at_1_to_3(make_channel, make_variant, fake_media):
    channel = make_channel(Network.INSTAGRAM)
    tall = fake_media(width=400, height=1200, name="tall.jpg")
    found = problems(make_variant(channel, media=[tall]))
    assert found["image_ratio"].message == (
        "Instagram accepts images from 4:5 (portrait) to 1.91:1 (landscape); tall.jpg is 1:3. "
        "Crop it (the \"fit for Instagram\" action crops the centre).")


def test_instagram_31_hashtags_and_21_mentions(make_channel, make_variant, fake_media):
    channel = make_channel(Network.INSTAGRAM)
    text = " ".join(f"#tag{n}" for n in range(31)) + " " + " ".join(f"@user{n}" for n in range(21))
    found = problems(make_variant(channel, text=text, media=[fake_media()]))
    assert found["too_many_hashtags"].message == "Instagram allows 30 hashtags; this text has 31. Remove 1."
    assert found["too_many_mentions"].message == "Instagram allows 20 @-mentions; this text has 21. Remove 1."


def test_instagram_needs_jpeg_width_and_an_image(make_channel, make_variant, fake_media):
    channel = make_channel(Network.INSTAGRAM)
    found = problems(make_variant(channel, text="Tanpa gambar"))
    assert found["image_required"].message == (
        "Instagram posts need at least one image. Add one from the media library.")
    png = fake_media(width=2000, height=2000, fmt="PNG", name="poster.png", size=9 * 1024 * 1024)
    found = problems(make_variant(make_channel(Network.INSTAGRAM, name="IG2"), media=[png]))
    assert found["image_format"].message.startswith("Instagram accepts JPEG images; poster.png is PNG.")
    assert found["image_width"].message == (
        "Instagram accepts images 320 to 1,440 pixels wide; poster.png is 2,000 pixels wide. Resize it.")
    assert "up to 8.0 MB; poster.png is 9.0 MB" in found["image_too_large"].message


def test_instagram_link_is_a_warning_only(make_channel, make_variant, fake_media):
    variant = make_variant(make_channel(Network.INSTAGRAM), text="Daftar: https://sapa.example.id/e/x/",
                           media=[fake_media()])
    found = problems(variant)
    assert found["link_not_clickable"].severity == "warning"
    assert not [p for p in validate_variant(variant) if p.is_error]


def test_mastodon_five_images(make_channel, make_variant, fake_media):
    channel = make_channel(Network.MASTODON)
    images = [fake_media(name=f"foto{n}.jpg") for n in range(5)]
    found = problems(make_variant(channel, media=images))
    assert found["too_many_images"].message == (
        "Mastodon allows 4 images per post; this post has 5. Remove 1 or split it into two posts.")


def test_missing_alt_text(make_channel, make_variant, fake_media):
    channel = make_channel(Network.MASTODON)
    found = problems(make_variant(channel, media=[fake_media(alt="", name="tanpa-alt.jpg")]))
    assert found["alt_text_missing"].message == (
        "Add alt text to tanpa-alt.jpg: say what it shows, for people who cannot see it.")


def test_x_weights_urls_as_23(make_channel, make_variant):
    channel = make_channel(Network.X)
    url = "https://perpustakaan.example.id/" + "a" * 200
    text = "x" * 257 + " " + url  # 257 + 1 + 23 = 281
    assert textcount.x_length(text) == 281
    found = problems(make_variant(channel, text=text))
    assert found["text_too_long"].message == (
        "X allows 280 characters; this text has 281. Shorten it by 1. Each link counts as 23 characters.")
    fits = make_variant(make_channel(Network.X, name="X2"), text="x" * 256 + " " + url)
    assert "text_too_long" not in problems(fits)


def test_x_counts_emoji_and_cjk_double():
    assert textcount.x_length("😀") == 2
    assert textcount.x_length("日本") == 4
    assert textcount.x_length("é") == 1


def test_mastodon_server_limit_and_url_weight_read_from_instance(make_channel, make_variant):
    channel = make_channel(Network.MASTODON, server_limits={}, server_limits_fetched_at=None)
    with respx.mock(assert_all_called=True) as router:
        router.get("https://mastodon.example/api/v2/instance").respond(200, json={
            "domain": "mastodon.example",
            "configuration": {
                "statuses": {"max_characters": 1000, "max_media_attachments": 4,
                             "characters_reserved_per_url": 30},
                "media_attachments": {"image_size_limit": 8388608,
                                      "supported_mime_types": ["image/jpeg", "image/png"]},
            }})
        variant = make_variant(channel, text="a" * 980 + " https://example.org/" + "b" * 100)
        found = problems(variant)
    # 980 + 1 + 30 = 1011 > 1000; the limit is cached on the channel.
    assert found["text_too_long"].message == (
        "Mastodon allows 1,000 characters; this text has 1,011. Shorten it by 11. "
        "Each link counts as 30 characters.")
    channel.refresh_from_db()
    assert channel.server_limits["max_characters"] == 1000
    assert channel.server_limits_fetched_at is not None


def test_telegram_caption_and_photo_dimensions(make_channel, make_variant, fake_media):
    channel = make_channel(Network.TELEGRAM)
    huge = fake_media(width=9000, height=2000, name="panorama.jpg")
    found = problems(make_variant(channel, text="a" * 1025, media=[huge]))
    assert found["text_too_long"].message == (
        "Telegram channel allows 1,024 characters under a photo; this text has 1,025. Shorten it by 1.")
    assert found["image_dimensions"].message == (
        "Telegram channel accepts photos whose width and height add up to 10,000 pixels at most; "
        "panorama.jpg adds up to 11,000. Make it smaller.")
    strip = fake_media(width=100, height=2500, name="strip.jpg")
    found = problems(make_variant(make_channel(Network.TELEGRAM, name="T2"), media=[strip]))
    assert found["image_ratio"].message == (
        "Telegram channel accepts photos at most 20 times longer than wide; strip.jpg is 1:25. Crop it.")


def test_facebook_recommendations_are_warnings(make_channel, make_variant, fake_media):
    png = fake_media(fmt="PNG", size=2 * 1024 * 1024, name="flyer.png")
    found = problems(make_variant(make_channel(Network.FACEBOOK_PAGE), media=[png]))
    assert found["image_large_recommended"].severity == "warning"
    assert "Facebook Page recommends images under 1.0 MB" in found["image_large_recommended"].message


def test_schedule_checks_time_and_channel(make_channel, make_variant):
    channel = make_channel(Network.MASTODON)
    variant = make_variant(channel, state="approved")
    variant.scheduled_at = None
    assert problems(variant)["time_missing"].message == "Choose the date and time to publish."
    channel.status = "needs_reconnect"
    channel.save()
    variant.refresh_from_db()
    assert "Reconnect the channel" in problems(variant)["channel_needs_reconnect"].message


def test_messages_are_translatable(make_channel, make_variant):
    """Messages go through gettext: a translation of the msgid changes what the user reads."""
    from unittest import mock

    from sapa.social import validation

    original = "%(network)s allows %(limit)s characters; this text has %(count)s."
    real = validation._

    def fake_gettext(msgid):
        return "TERJEMAHAN %(count)s" if msgid == original else real(msgid)

    variant = make_variant(make_channel(Network.BLUESKY), text="a" * 301)
    with mock.patch.object(validation, "_", fake_gettext):
        assert messages(variant)[0].startswith("TERJEMAHAN 301")
