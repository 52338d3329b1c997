"""The social staff pages: roles, tenancy, scheduling refused with the checks, the calendar's
move endpoint and "add to the next free slot"."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sapa.libraries.models import Membership, Role
from sapa.social import workflow
from sapa.social.models import (
    Channel,
    ChannelStatus,
    ManualTask,
    MediaItem,
    Network,
    Post,
    PostVariant,
)

pytestmark = pytest.mark.django_db


def image_bytes(width, height, fmt="JPEG") -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 90)).save(buf, fmt)
    return buf.getvalue()
JAKARTA = ZoneInfo("Asia/Jakarta")


def t(msgid):
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


def url(name, library, **kwargs):
    return reverse(name, kwargs={"slug": library.slug, **kwargs})


def local(day_offset, hour=10, minute=30):
    day = (timezone.now().astimezone(JAKARTA) + timedelta(days=day_offset)).date()
    return datetime.combine(day, time(hour, minute), tzinfo=JAKARTA)


@pytest.fixture
def staff(member_client):
    return member_client(Role.STAFF)


@pytest.fixture
def editor(member_client):
    return member_client(Role.EDITOR)


@pytest.fixture
def telegram(make_channel):
    return make_channel(Network.TELEGRAM, name="Telegram Perpus")


@pytest.fixture
def bluesky(make_channel):
    return make_channel(Network.BLUESKY, name="Bluesky Perpus")


# --- Roles -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["social-calendar", "social-post-create", "social-channels", "social-media",
                                  "social-todos"])
def test_pages_open_for_staff(staff, library, name):
    assert staff.get(url(name, library)).status_code == 200


def test_channel_changes_need_editor(staff, editor, library, telegram):
    assert staff.get(url("social-channel-create", library)).status_code == 404
    assert staff.get(url("social-channel-edit", library, channel_id=telegram.pk)).status_code == 404
    assert staff.post(url("social-channel-test", library, channel_id=telegram.pk)).status_code == 404
    assert editor.get(url("social-channel-create", library)).status_code == 200
    page = staff.get(url("social-channels", library)).content.decode()
    assert url("social-channel-edit", library, channel_id=telegram.pk) not in page


def test_staff_cannot_approve(staff, editor, library, make_variant, telegram):
    variant = make_variant(telegram, state="in_review")
    page = staff.get(url("social-post", library, post_id=variant.post_id)).content.decode()
    assert url("social-post-action", library, post_id=variant.post_id, action="approve") not in page
    assert staff.post(url("social-post-action", library, post_id=variant.post_id, action="approve")).status_code == 404
    variant.refresh_from_db()
    assert variant.state == "in_review"
    response = editor.post(url("social-post-action", library, post_id=variant.post_id, action="approve"),
                           {"comment": "Bagus"})
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.state == "approved"


def test_editor_requests_changes_with_comment(editor, library, make_variant, telegram):
    variant = make_variant(telegram, state="in_review")
    action = url("social-post-action", library, post_id=variant.post_id, action="changes")
    editor.post(action, {"comment": ""})
    variant.refresh_from_db()
    assert variant.state == "in_review"
    editor.post(action, {"comment": "Tambahkan tanggal acara"})
    variant.refresh_from_db()
    assert variant.state == "draft"
    page = editor.get(url("social-post", library, post_id=variant.post_id)).content.decode()
    assert "Tambahkan tanggal acara" in page


def test_admin_adds_channel_credentials_encrypted_never_shown(admin_client, library):
    response = admin_client.post(url("social-channel-create", library), {
        "network": Network.MASTODON, "name": "Mastodon Perpus", "account_id": "1", "handle": "perpus",
        "server_url": "https://mastodon.example", "is_active": "on", "access_token": "secret-token-123",
    })
    assert response.status_code == 302
    channel = Channel.objects.get(library=library, name="Mastodon Perpus")
    assert channel.credentials == {"access_token": "secret-token-123"}
    assert "secret-token-123" not in channel.credentials_encrypted
    page = admin_client.get(url("social-channel-edit", library, channel_id=channel.pk)).content.decode()
    assert "secret-token-123" not in page
    # Saving without typing a token keeps the stored one.
    admin_client.post(url("social-channel-edit", library, channel_id=channel.pk), {
        "name": "Mastodon Perpus 2", "account_id": "1", "handle": "perpus",
        "server_url": "https://mastodon.example", "is_active": "on"})
    channel.refresh_from_db()
    assert channel.name == "Mastodon Perpus 2"
    assert channel.credentials == {"access_token": "secret-token-123"}


def test_new_token_reconnects_channel(admin_client, library, telegram):
    Channel.objects.filter(pk=telegram.pk).update(status=ChannelStatus.NEEDS_RECONNECT, status_message="401")
    page = admin_client.get(url("social-channels", library)).content.decode()
    assert t("Needs reconnecting") in page
    admin_client.post(url("social-channel-edit", library, channel_id=telegram.pk), {
        "name": telegram.name, "account_id": "@perpusa", "is_active": "on", "bot_token": "999:NEW"})
    telegram.refresh_from_db()
    assert telegram.status == ChannelStatus.OK
    assert telegram.credentials["bot_token"] == "999:NEW"


def test_time_slots_saved(admin_client, library, telegram):
    response = admin_client.post(url("social-channel-edit", library, channel_id=telegram.pk),
                                 {"slots": "1", "day0": "09:00, 19.30", "day4": "8"})
    assert response.status_code == 302
    telegram.refresh_from_db()
    assert telegram.time_slots == [{"weekday": 0, "times": ["09:00", "19:30"]},
                                   {"weekday": 4, "times": ["08:00"]}]
    response = admin_client.post(url("social-channel-edit", library, channel_id=telegram.pk),
                                 {"slots": "1", "day1": "pagi"})
    assert response.status_code == 200
    assert "pagi" in response.content.decode()


def test_test_connection_reports_the_connectors_answer(admin_client, library, telegram, monkeypatch):
    from sapa.social import services

    monkeypatch.setattr(services, "test_connection", lambda channel, by=None: (False, "Unauthorized"))
    response = admin_client.post(url("social-channel-test", library, channel_id=telegram.pk), follow=True)
    assert "Unauthorized" in response.content.decode()


# --- Tenancy -------------------------------------------------------------------------------------

def test_other_librarys_objects_answer_404(library, other_library, make_variant, telegram, make_image):
    variant = make_variant(telegram)
    item = make_image()
    other_admin = Membership.objects.get(library=other_library).user
    client = Client()
    client.force_login(other_admin, backend="sapa.libraries.auth.EmailBackend")
    gets = [url("social-post", other_library, post_id=variant.post_id),
            url("social-channel-edit", other_library, channel_id=telegram.pk),
            url("social-media-file", other_library, media_id=item.pk)]
    for target in gets:
        assert client.get(target).status_code == 404, target
    posts = [url("social-post-action", other_library, post_id=variant.post_id, action="submit"),
             url("social-variant-edit", other_library, variant_id=variant.pk),
             url("social-variant-schedule", other_library, variant_id=variant.pk),
             url("social-variant-next-slot", other_library, variant_id=variant.pk),
             url("social-variant-move", other_library, variant_id=variant.pk),
             url("social-channel-test", other_library, channel_id=telegram.pk)]
    for target in posts:
        assert client.post(target, {"date": "2030-01-01"}).status_code == 404, target
    # and through library A's URLs, a stranger gets 404 too
    assert client.get(url("social-post", library, post_id=variant.post_id)).status_code == 404
    variant.refresh_from_db()
    assert variant.state == "draft"


# --- Posts ------------------------------------------------------------------------------------

def test_create_post_with_variants_template_and_hashtags(staff, library, telegram, bluesky, make_image):
    from sapa.social.models import HashtagSet, PostTemplate

    tags = HashtagSet.objects.create(library=library, name="Literasi", hashtags="PerpustakaanDigital #Literasi")
    template = PostTemplate.objects.create(library=library, name="Umum", text="Kunjungi perpustakaan kami!")
    image = make_image()
    data = {"title": "Pekan literasi", "text": "", "channels": [telegram.pk, bluesky.pk], "media": [image.pk],
            "template": template.pk, "hashtag_set": tags.pk, "first_comment": "Info lengkap di bio",
            "link": "https://perpus.example/acara", "new_campaign": "Pekan Literasi"}
    preview = staff.post(url("social-post-create", library), {**data, "insert": "1"})
    assert preview.status_code == 200
    assert "Kunjungi perpustakaan kami!\n\n#PerpustakaanDigital #Literasi" in preview.content.decode()
    assert Post.objects.count() == 0
    response = staff.post(url("social-post-create", library), data)
    post = Post.objects.get()
    assert response.status_code == 302 and response.url == url("social-post", library, post_id=post.pk)
    assert post.campaign.name == "Pekan Literasi"
    variants = {v.channel.network: v for v in post.variants.all()}
    assert set(variants) == {Network.TELEGRAM, Network.BLUESKY}
    assert variants[Network.TELEGRAM].text.startswith("Kunjungi perpustakaan kami!")
    assert variants[Network.BLUESKY].ordered_media() == [image]
    # Telegram has no first comment: not copied there.
    assert variants[Network.TELEGRAM].first_comment == ""
    assert variants[Network.BLUESKY].first_comment == "Info lengkap di bio"


def test_variant_checks_shown_before_scheduling(staff, library, make_variant, bluesky):
    variant = make_variant(bluesky, text="a" * 301)
    page = staff.get(url("social-post", library, post_id=variant.post_id)).content.decode()
    assert "301" in page and "300" in page  # the Bluesky grapheme message, in Indonesian
    assert t("Must change") in page


def test_schedule_refused_shows_the_problems(staff, library, make_variant, bluesky):
    variant = make_variant(bluesky, text="Halo", state="approved")
    PostVariant.objects.filter(pk=variant.pk).update(text="b" * 301)
    response = staff.post(url("social-variant-schedule", library, variant_id=variant.pk))
    assert response.status_code == 400
    page = response.content.decode()
    assert t("Not scheduled. Change this first:") in page
    assert "301" in page
    variant.refresh_from_db()
    assert variant.state == "approved"
    # schedule all: refused too, with the channel named
    response = staff.post(url("social-post-action", library, post_id=variant.post_id, action="schedule"))
    assert response.status_code == 400
    assert "Bluesky Perpus: " in response.content.decode()


def test_schedule_and_unschedule(staff, library, make_variant, telegram):
    variant = make_variant(telegram, state="approved", at=local(3))
    response = staff.post(url("social-variant-schedule", library, variant_id=variant.pk))
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.state == "scheduled"
    staff.post(url("social-variant-unschedule", library, variant_id=variant.pk))
    variant.refresh_from_db()
    assert variant.state == "approved"


def test_edit_variant_and_history(staff, library, make_variant, telegram):
    variant = make_variant(telegram, state="approved", at=local(3))
    prefix = f"v{variant.pk}-"
    staff.post(url("social-variant-edit", library, variant_id=variant.pk), {
        prefix + "text": "Teks baru", prefix + "link": "", prefix + "first_comment": "",
        prefix + "date": local(4).date().isoformat(), prefix + "time": "10:30"})
    variant.refresh_from_db()
    assert variant.text == "Teks baru"
    assert variant.state == "draft"  # content changed after approval
    assert variant.scheduled_at == local(4)
    page = staff.get(url("social-post", library, post_id=variant.post_id)).content.decode()
    assert t("edited a variant") in page and "staff@example.org" in page


def test_review_link_shown_to_editors_when_in_review(member_client, library, make_variant, telegram):
    variant = make_variant(telegram, state="in_review")
    editor = member_client(Role.EDITOR)
    page = editor.get(url("social-post", library, post_id=variant.post_id)).content.decode()
    assert "https://sapa.example.id/review/" in page
    assert t("Copy review link") in page
    # Not to staff below editor (tests/security/test_review_approval.py).


def test_mark_published_manually_and_retry(staff, library, make_variant, telegram):
    variant = make_variant(telegram, state="approved", at=local(3))
    PostVariant.objects.filter(pk=variant.pk).update(state="failed", error_message="Bad Request")
    response = staff.post(url("social-variant-retry", library, variant_id=variant.pk))
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.state == "scheduled"
    PostVariant.objects.filter(pk=variant.pk).update(state="needs_check")
    staff.post(url("social-variant-published", library, variant_id=variant.pk),
               {"url": "https://t.me/perpusa/12"})
    variant.refresh_from_db()
    assert variant.state == "published" and variant.external_url == "https://t.me/perpusa/12"


# --- Calendar --------------------------------------------------------------------------------

def test_calendar_views_and_filters(staff, library, make_variant, telegram, bluesky):
    a = make_variant(telegram, at=local(2))
    b = make_variant(bluesky, at=local(2, 15, 0), state="approved")
    for view in ("month", "week", "list"):
        page = staff.get(url("social-calendar", library), {"view": view, "date": local(2).date().isoformat()})
        html = page.content.decode()
        assert page.status_code == 200
        assert f'id="variant-{a.pk}"' in html and f'id="variant-{b.pk}"' in html, view
        assert "10:30" in html and "Telegram Perpus" in html
    html = staff.get(url("social-calendar", library), {"view": "list", "date": local(2).date().isoformat(),
                                                        "channel": bluesky.pk}).content.decode()
    assert f'id="variant-{a.pk}"' not in html and f'id="variant-{b.pk}"' in html
    html = staff.get(url("social-calendar", library), {"view": "list", "date": local(2).date().isoformat(),
                                                        "status": "draft"}).content.decode()
    assert f'id="variant-{a.pk}"' in html and f'id="variant-{b.pk}"' not in html


def test_drag_moves_variant_and_keeps_time_of_day(staff, library, make_variant, telegram):
    variant = make_variant(telegram, state="scheduled", at=local(2, 19, 45))
    target = local(5).date()
    response = staff.post(url("social-variant-move", library, variant_id=variant.pk),
                          {"date": target.isoformat(), "month": str(target.month)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="day-{target.isoformat()}"' in html
    assert f'id="day-{local(2).date().isoformat()}"' in html and 'hx-swap-oob="true"' in html
    variant.refresh_from_db()
    assert variant.scheduled_at == local(5, 19, 45)
    assert variant.state == "scheduled"
    # the moved variant is in the returned cell, with its time
    assert f'id="variant-{variant.pk}"' in html and "19:45" in html


def test_move_fallback_form_with_time(staff, library, make_variant, telegram):
    variant = make_variant(telegram, at=local(2))
    cal = url("social-calendar", library) + "?view=list"
    response = staff.post(url("social-variant-move", library, variant_id=variant.pk),
                          {"date": local(6).date().isoformat(), "time": "08:15", "next": cal})
    assert response.status_code == 302 and response.url == cal
    variant.refresh_from_db()
    assert variant.scheduled_at == local(6, 8, 15)


def test_move_into_the_past_refused(staff, library, make_variant, telegram):
    variant = make_variant(telegram, at=local(2))
    response = staff.post(url("social-variant-move", library, variant_id=variant.pk),
                          {"date": local(-3).date().isoformat()}, HTTP_HX_REQUEST="true")
    assert t("That time has passed. Choose a time in the future.") in response.content.decode()
    variant.refresh_from_db()
    assert variant.scheduled_at == local(2)


def test_next_free_slot_skips_taken(staff, library, make_variant, telegram):
    tomorrow = local(1).date()
    telegram.time_slots = [{"weekday": tomorrow.weekday(), "times": ["09:00", "19:00"]}]
    telegram.save()
    make_variant(telegram, at=datetime.combine(tomorrow, time(9, 0), tzinfo=JAKARTA))
    variant = make_variant(telegram, state="approved")
    PostVariant.objects.filter(pk=variant.pk).update(scheduled_at=None)
    response = staff.post(url("social-variant-next-slot", library, variant_id=variant.pk))
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.scheduled_at == datetime.combine(tomorrow, time(19, 0), tzinfo=JAKARTA)
    assert variant.state == "scheduled"


def test_next_free_slot_on_draft_plans_it(staff, library, make_variant, telegram):
    tomorrow = local(1).date()
    telegram.time_slots = [{"weekday": tomorrow.weekday(), "times": ["07:00"]}]
    telegram.save()
    variant = make_variant(telegram)
    PostVariant.objects.filter(pk=variant.pk).update(scheduled_at=None)
    staff.post(url("social-variant-next-slot", library, variant_id=variant.pk))
    variant.refresh_from_db()
    assert variant.scheduled_at == datetime.combine(tomorrow, time(7, 0), tzinfo=JAKARTA)
    assert variant.state == "draft"


def test_next_free_slot_refused_by_the_checks_writes_nothing(staff, library, make_variant, bluesky):
    """Issue 15: a refused "next free slot" leaves the variant as it was (no time, no state, no revision)."""
    tomorrow = local(1).date()
    bluesky.time_slots = [{"weekday": tomorrow.weekday(), "times": ["07:00"]}]
    bluesky.save()
    variant = make_variant(bluesky, text="Halo", state="approved", at=local(5))
    PostVariant.objects.filter(pk=variant.pk).update(text="b" * 301)  # over Bluesky's limit
    revisions = variant.post.revisions.count()
    response = staff.post(url("social-variant-next-slot", library, variant_id=variant.pk))
    assert response.status_code == 400
    assert t("Not scheduled. Change this first:") in response.content.decode()
    variant.refresh_from_db()
    assert variant.scheduled_at == local(5) and variant.state == "approved"
    assert variant.post.revisions.count() == revisions


def test_schedule_refused_by_the_checks_keeps_the_time(staff, library, make_variant, bluesky):
    variant = make_variant(bluesky, text="Halo", state="approved", at=local(5))
    PostVariant.objects.filter(pk=variant.pk).update(text="b" * 301)
    response = staff.post(url("social-variant-schedule", library, variant_id=variant.pk),
                          {"date": local(6).date().isoformat(), "time": "10:00"})
    assert response.status_code == 400
    variant.refresh_from_db()
    assert variant.scheduled_at == local(5) and variant.state == "approved"


# --- Media and to-dos ------------------------------------------------------------------------

def test_media_upload_validation(staff, library):
    target = url("social-media", library)
    fake = SimpleUploadedFile("poster.jpg", b"not an image at all")
    response = staff.post(target, {"file": fake, "alt_text": "Poster"})
    assert response.status_code == 400
    assert MediaItem.objects.count() == 0
    real = SimpleUploadedFile("poster.jpg", image_bytes(800, 600))
    response = staff.post(target, {"file": real, "alt_text": ""})
    assert response.status_code == 400
    assert t("Describe the image for people who cannot see it.") in response.content.decode()
    real = SimpleUploadedFile("poster.jpg", image_bytes(800, 600))
    assert staff.post(target, {"file": real, "alt_text": "Poster lomba"}).status_code == 302
    item = MediaItem.objects.get()
    assert (item.width, item.height, item.alt_text) == (800, 600, "Poster lomba")
    assert "Poster lomba" in staff.get(target).content.decode()
    assert staff.get(url("social-media-file", library, media_id=item.pk)).status_code == 200
    video = SimpleUploadedFile("klip.mp4", b"\x00\x00\x00 ftypisom")
    assert staff.post(target, {"file": video, "alt_text": ""}).status_code == 302


def test_media_size_limit(staff, library, settings):
    settings.SAPA_SOCIAL_IMAGE_MAX_BYTES = 1000
    big = SimpleUploadedFile("big.png", image_bytes(400, 400, "PNG") + b"\x00" * 2000)
    response = staff.post(url("social-media", library), {"file": big, "alt_text": "Besar"})
    assert response.status_code == 400
    assert MediaItem.objects.count() == 0


def test_manual_todo_marked_done(staff, library, make_channel, make_variant):
    whatsapp = make_channel(Network.WHATSAPP, name="WhatsApp Perpus")
    variant = make_variant(whatsapp, state="scheduled", at=local(1))
    PostVariant.objects.filter(pk=variant.pk).update(state="awaiting_manual")
    ManualTask.objects.create(library=library, variant=variant, due_at=variant.scheduled_at)
    page = staff.get(url("social-todos", library)).content.decode()
    assert "Ikuti sharing session kami!" in page
    staff.post(url("social-variant-published", library, variant_id=variant.pk),
               {"url": "https://wa.me/c/123", "next": url("social-todos", library)})
    variant.refresh_from_db()
    assert variant.state == "published"
    assert ManualTask.objects.get().done_at is not None
    assert t("Nothing to post by hand right now.") in staff.get(url("social-todos", library)).content.decode()


def test_nav_entry(staff, library):
    html = staff.get(url("library-dashboard", library)).content.decode()
    assert url("social-calendar", library) in html


def test_workflow_used_for_submit(staff, library, make_variant, telegram):
    variant = make_variant(telegram)
    staff.post(url("social-post-action", library, post_id=variant.post_id, action="submit"))
    variant.refresh_from_db()
    assert variant.state == workflow.S.IN_REVIEW
