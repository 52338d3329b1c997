"""A flyer attached to a new draft social post in one click (editors and admins only)."""

import io

import pytest
import zxingcpp
from django.contrib.contenttypes.models import ContentType
from django.test import Client, override_settings
from django.utils import translation
from PIL import Image

from sapa.core import timefmt
from sapa.libraries.models import AuditEntry, Role
from sapa.promotion.models import Channel as PromotionChannel
from sapa.promotion.models import ShortLink
from sapa.social.models import (
    Channel,
    MediaItem,
    Network,
    Post,
    PostRevision,
    PostVariant,
    VariantState,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


def attach_url(library, event, layout="classic", size="square"):
    return f"/staff/{library.slug}/promotion/events/{event.pk}/flyer/{layout}/{size}/post"


def page_url(library, event):
    return f"/staff/{library.slug}/promotion/events/{event.pk}/"


def indonesian_when(event):
    with translation.override("id"):
        return timefmt.format_range(event.starts_at, event.ends_at, event.time_zone)


def test_editor_attaches_a_flyer_to_a_new_post_without_channels(member_client, library, event):
    client = member_client(Role.EDITOR)
    page = client.get(page_url(library, event)).content.decode()
    assert attach_url(library, event, "poster", "story") in page
    assert attach_url(library, event, "classic", "a4") not in page  # a PDF is not a post's image

    response = client.post(attach_url(library, event, "classic", "portrait"))

    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(library, event)}?post={post.pk}#attached"
    assert post.library == library and post.event == event and post.status == VariantState.DRAFT
    assert post.created_by == client.user and post.title == event.title
    assert not post.variants.exists()  # no channels: a post without variants
    media = MediaItem.objects.get()
    assert media.library == library and media.uploaded_by == client.user
    assert (media.width, media.height, media.format, media.mime_type) == (1080, 1350, "JPEG", "image/jpeg")
    with media.file.open("rb") as fh:
        image = Image.open(io.BytesIO(fh.read())).convert("RGB")
    flyer_link = ShortLink.objects.get(event=event, channel=PromotionChannel.FLYER, label="")
    assert flyer_link.url in [r.text for r in zxingcpp.read_barcodes(image)]
    # the alt text in the library's language (Indonesian): title, date and where the link is
    assert event.title in media.alt_text and indonesian_when(event) in media.alt_text
    assert "Tautan pendaftaran ada di kode QR." in media.alt_text
    # the suggested text waits in the note, with a tracked link
    general = ShortLink.objects.get(event=event, channel=PromotionChannel.OTHER, label="")
    assert general.url in post.note and indonesian_when(event) in post.note and f"{media.pk}" in post.note
    assert PostRevision.objects.filter(post=post, action="created").exists()
    entry = AuditEntry.objects.get(action="promotion.flyer_attached")
    assert entry.library == library and entry.object_id == str(post.pk) and entry.actor == client.user
    assert entry.data == {"event": event.pk, "media": media.pk, "layout": "classic", "size": "portrait",
                          "variants": 0}

    shown = client.get(response["Location"]).content.decode()
    assert 'id="attached"' in shown and f"#{post.pk}" in shown and event.title in shown
    assert "/admin/social/post/" not in shown  # the admin link is for superusers only


def test_each_channel_gets_a_variant_with_the_flyer_and_its_own_short_link(admin_client, admin_user, library,
                                                                           event):
    instagram = Channel.objects.create(library=library, network=Network.INSTAGRAM, name="IG Perpus")
    telegram = Channel.objects.create(library=library, network=Network.TELEGRAM, name="Kanal Perpus")
    Channel.objects.create(library=library, network=Network.X, name="Old X", is_active=False)

    response = admin_client.post(attach_url(library, event, "poster", "square"))

    assert response.status_code == 302
    post = Post.objects.get(library=library, event=event)
    media = MediaItem.objects.get(library=library)
    assert (media.width, media.height) == (1080, 1080)
    variants = {v.channel_id: v for v in PostVariant.objects.filter(post=post)}
    assert set(variants) == {instagram.pk, telegram.pk}
    variant_type = ContentType.objects.get_for_model(PostVariant)
    for channel, promo_channel in ((instagram, PromotionChannel.INSTAGRAM), (telegram, PromotionChannel.TELEGRAM)):
        variant = variants[channel.pk]
        assert variant.state == VariantState.DRAFT
        assert variant.ordered_media() == [media]
        link = ShortLink.objects.get(content_type=variant_type, object_id=variant.pk)
        assert link.event == event and link.channel == promo_channel and link.library == library
        assert variant.link == link.url
        assert event.title in variant.text and indonesian_when(event) in variant.text and link.url in variant.text
        assert variant.full_text() == variant.text  # the link is not added twice
    assert variants[instagram.pk].link != variants[telegram.pk].link

    shown = admin_client.get(response["Location"]).content.decode()
    assert "IG Perpus" in shown and variants[instagram.pk].link in shown


@override_settings(SAPA_ADMIN=True)  # the admin is off by default (tests/security/test_admin.py)
def test_superuser_gets_a_link_to_the_admin(admin_client, admin_user, library, event):
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    response = admin_client.post(attach_url(library, event))
    post = Post.objects.get()
    assert f"/admin/social/post/{post.pk}/change/" in admin_client.get(response["Location"]).content.decode()


def test_staff_below_editor_gets_404_and_no_button(member_client, library, event):
    client = member_client(Role.STAFF)
    assert attach_url(library, event) not in client.get(page_url(library, event)).content.decode()
    assert client.post(attach_url(library, event)).status_code == 404
    assert not Post.objects.exists() and not MediaItem.objects.exists()


def test_another_librarys_event_gets_404(admin_client, library, other_library, make_event):
    foreign = make_event(slug="acara-b", lib=other_library)
    assert admin_client.post(attach_url(library, foreign)).status_code == 404
    assert admin_client.post(attach_url(other_library, foreign)).status_code == 404
    assert not Post.objects.exists() and not MediaItem.objects.exists()


def test_only_post_with_csrf_and_only_image_sizes(admin_user, admin_client, library, event):
    assert admin_client.get(attach_url(library, event)).status_code == 405
    assert admin_client.post(attach_url(library, event, "classic", "a4")).status_code == 404
    assert admin_client.post(attach_url(library, event, "fancy", "square")).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user, backend="sapa.libraries.auth.EmailBackend")
    assert strict.post(attach_url(library, event)).status_code == 403
    assert not Post.objects.exists()


def test_a_post_shown_on_another_events_page_is_ignored(admin_client, library, event, make_event):
    admin_client.post(attach_url(library, event))
    post = Post.objects.get()
    other = make_event(slug="acara-lain")
    page = admin_client.get(f"{page_url(library, other)}?post={post.pk}").content.decode()
    assert 'id="attached"' not in page
    assert admin_client.get(f"{page_url(library, event)}?post=abc").status_code == 200


# --- Issue 13, item 5: a post made from a flyer carries it into every channel version ------------


@pytest.mark.parametrize("size", ["square", "portrait"])
def test_sapas_own_flyer_passes_the_checks_of_every_network(admin_client, library, event, size):
    """Instagram takes JPEG only: the flyer attached to a post is a JPEG, within every limit."""
    from sapa.social.validation import validate_variant

    networks = [Network.INSTAGRAM, Network.FACEBOOK_PAGE, Network.TELEGRAM, Network.MASTODON, Network.BLUESKY,
                Network.X]
    for network in networks:
        Channel.objects.create(library=library, network=network, name=f"Perpus {network}",
                               server_url="https://mastodon.example" if network == Network.MASTODON else "")
    admin_client.post(attach_url(library, event, "classic", size))
    media = MediaItem.objects.get()
    assert media.format == "JPEG" and media.original_name.endswith(".jpg")
    for variant in PostVariant.objects.select_related("channel"):
        problems = [p for p in validate_variant(variant, for_schedule=False) if p.is_error]
        assert problems == [], f"{variant.channel.network}: {[p.message for p in problems]}"


def test_a_channel_added_later_gets_the_text_the_flyer_and_its_own_link(admin_client, admin_user, library, event):
    """The library had no channel when it made the post; it connects Instagram, then Facebook."""
    admin_client.post(attach_url(library, event, "classic", "portrait"))
    post = Post.objects.get()
    media = MediaItem.objects.get()
    instagram = Channel.objects.create(library=library, network=Network.INSTAGRAM, name="IG Perpus")
    facebook = Channel.objects.create(library=library, network=Network.FACEBOOK_PAGE, name="FB Perpus")

    for channel in (instagram, facebook):
        response = admin_client.post(f"/staff/{library.slug}/social/posts/{post.pk}/add-channel/",
                                     {"channel": channel.pk})
        assert response.status_code == 302
    variants = {v.channel.network: v for v in post.variants.select_related("channel")}
    for network, promo in ((Network.INSTAGRAM, PromotionChannel.INSTAGRAM),
                           (Network.FACEBOOK_PAGE, PromotionChannel.FACEBOOK)):
        variant = variants[network]
        assert variant.ordered_media() == [media]
        link = ShortLink.objects.get(event=event, channel=promo, label="")
        assert variant.link == link.url and link.url in variant.text
        assert event.title in variant.text and indonesian_when(event) in variant.text
    general = ShortLink.objects.get(event=event, channel=PromotionChannel.OTHER, label="")
    assert all(general.url not in v.text for v in variants.values())  # nothing credited to "Lainnya"
    page = admin_client.get(f"/staff/{library.slug}/social/posts/{post.pk}/").content.decode()
    assert variants[Network.INSTAGRAM].link in page and variants[Network.FACEBOOK_PAGE].link in page


def test_a_channel_added_to_a_post_with_versions_gets_its_own_link(admin_client, library, event):
    instagram = Channel.objects.create(library=library, network=Network.INSTAGRAM, name="IG Perpus")
    admin_client.post(attach_url(library, event, "classic", "square"))
    post = Post.objects.get()
    telegram = Channel.objects.create(library=library, network=Network.TELEGRAM, name="Kanal Perpus")
    admin_client.post(f"/staff/{library.slug}/social/posts/{post.pk}/add-channel/", {"channel": telegram.pk})
    first = post.variants.get(channel=instagram)
    added = post.variants.get(channel=telegram)
    assert added.ordered_media() == first.ordered_media()
    assert first.link not in added.text
    telegram_link = ShortLink.objects.get(event=event, channel=PromotionChannel.TELEGRAM, label="")
    assert added.link == telegram_link.url and telegram_link.url in added.text
