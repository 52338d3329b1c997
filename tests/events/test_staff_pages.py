"""Staff event pages: roles, tenancy, the event form, duplicate and cancel."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from staff_helpers import (  # noqa: F401
    PNG_1PX,
    ROLES,
    add,
    event_fixture,
    make_event,
    member,
    other_event_fixture,
    statuses,
    t,
)

from sapa.events.models import (
    Category,
    Event,
    EventStatus,
    Question,
    QuestionKind,
    RegistrationStatus,
    Speaker,
)
from sapa.libraries.models import AuditEntry, Role

pytestmark = pytest.mark.django_db

EVENT_PAGES = ["", "registrations/"]
EDITOR_PAGES = ["edit/", "speakers/", "categories/", "questions/", "cancel/"]


def base(library):
    return f"/staff/{library.slug}/events/"


def form_data(**overrides):
    data = {
        "title": "Berbagi Pengalaman Mengelola Media Sosial", "slug": "", "description": "**Halo**",
        "time_zone": "Asia/Makassar", "starts_at": "2030-07-21T09:00", "ends_at": "2030-07-21T11:30",
        "meeting_url": "https://meet.google.com/abc-defg-hij", "meeting_link_policy": "confirmation",
        "venue": "", "capacity": "100", "registration_opens_at": "", "registration_closes_at": "2030-07-20T23:59",
        "visibility": "public", "status": "published", "consent_text": "", "retention_days": "365",
    }
    data.update(overrides)
    return data


# --- roles and tenancy -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_and_event_pages_render_for_every_role(make_user, library, event, role):
    client = member(make_user, library, role)
    page = client.get(base(library))
    assert page.status_code == 200
    assert event.title in page.content.decode()
    for sub in EVENT_PAGES:
        assert client.get(f"{base(library)}{event.pk}/{sub}").status_code == 200, sub
    assert client.get(f"{base(library)}?when=past").status_code == 200


@pytest.mark.parametrize("role, status", [(Role.STAFF, 404), (Role.EDITOR, 200), (Role.ADMIN, 200)])
def test_editing_pages_need_editor(make_user, library, event, role, status):
    client = member(make_user, library, role)
    assert client.get(f"{base(library)}new/").status_code == status
    for sub in EDITOR_PAGES:
        assert client.get(f"{base(library)}{event.pk}/{sub}").status_code == status, sub
    assert client.get(f"{base(library)}{event.pk}/registrations/export/?format=csv").status_code == status


def test_navigation_has_events(admin_client, library):
    page = admin_client.get(f"/staff/{library.slug}/").content.decode()
    assert f'href="{base(library)}"' in page


def test_staff_does_not_see_editor_buttons(make_user, library, event):
    client = member(make_user, library, Role.STAFF)
    page = client.get(f"{base(library)}{event.pk}/").content.decode()
    assert "duplicate/" not in page and "/edit/" not in page
    registrations = client.get(f"{base(library)}{event.pk}/registrations/").content.decode()
    assert "export/" not in registrations


def test_another_librarys_event_is_404(admin_client, library, other_library, other_event):
    urls = [f"{base(library)}{other_event.pk}/{sub}" for sub in EVENT_PAGES + EDITOR_PAGES]
    urls += [f"{base(other_library)}", f"{base(other_library)}{other_event.pk}/"]
    urls.append(f"{base(library)}{other_event.pk}/registrations/export/?format=csv")
    for url in urls:
        assert admin_client.get(url).status_code == 404, url
    for sub in ["duplicate/", "cancel/"]:
        assert admin_client.post(f"{base(library)}{other_event.pk}/{sub}").status_code == 404
    other_event.refresh_from_db()
    assert other_event.status == EventStatus.PUBLISHED
    assert Event.objects.count() == 1  # nothing duplicated


def test_list_shows_seats_taken(admin_client, library, event):
    add(event, 2)
    page = admin_client.get(base(library)).content.decode()
    assert "2 of 3" in page or "2 dari 3" in page


def test_past_events_on_their_own_tab(admin_client, library):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    make_event(library, slug="lama", title="Acara Lama", starts_at=now - timedelta(days=3),
               ends_at=now - timedelta(days=3, hours=-2))
    make_event(library, slug="baru", title="Acara Baru")
    upcoming = admin_client.get(base(library)).content.decode()
    past = admin_client.get(f"{base(library)}?when=past").content.decode()
    assert "Acara Baru" in upcoming and "Acara Lama" not in upcoming
    assert "Acara Lama" in past and "Acara Baru" not in past


# --- create and edit -----------------------------------------------------------------------


def test_create_event_with_slug_from_title_categories_and_zone(admin_client, library, admin_user):
    response = admin_client.post(f"{base(library)}new/", form_data())
    assert response.status_code == 302
    event = Event.objects.get()
    assert response["Location"] == f"{base(library)}{event.pk}/"
    assert event.slug == "berbagi-pengalaman-mengelola-media-sosial"
    assert event.library == library and event.created_by == admin_user
    # 09:00 WITA is 01:00 UTC.
    assert event.starts_at == datetime(2030, 7, 21, 9, 0, tzinfo=ZoneInfo("Asia/Makassar"))
    assert event.starts_at.astimezone(ZoneInfo("UTC")).hour == 1
    assert list(event.categories.values_list("name", flat=True)) == [
        "Pustakawan", "Pengelola perpustakaan", "Widyaiswara", "Guru", "Masyarakat umum"]
    assert AuditEntry.objects.filter(action="event.created", object_id=str(event.pk)).exists()
    # The edit form shows the times back in the event's zone.
    page = admin_client.get(f"{base(library)}{event.pk}/edit/").content.decode()
    assert 'value="2030-07-21T09:00"' in page


def test_second_event_with_same_title_gets_another_slug(admin_client, library):
    admin_client.post(f"{base(library)}new/", form_data())
    admin_client.post(f"{base(library)}new/", form_data())
    assert sorted(Event.objects.values_list("slug", flat=True)) == [
        "berbagi-pengalaman-mengelola-media-sosial", "berbagi-pengalaman-mengelola-media-sosial-2"]


@pytest.mark.parametrize("overrides, field, message", [
    ({"ends_at": "2030-07-21T08:00"}, "ends_at", "The end must be after the start."),
    ({"registration_closes_at": "2030-07-21T10:00"}, "registration_closes_at",
     "Registration must close at the latest when the event starts."),
    ({"title": ""}, "title", ""),
    ({"meeting_url": "not a link"}, "meeting_url", ""),
    ({"capacity": "0"}, "capacity", ""),
])
def test_event_form_rejects_bad_input(admin_client, library, overrides, field, message):
    response = admin_client.post(f"{base(library)}new/", form_data(**overrides))
    assert response.status_code == 400  # refused: the form again, with why
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert t(message) in errors[field]
    assert not Event.objects.exists()


def test_any_url_is_a_meeting_link(admin_client, library):
    admin_client.post(f"{base(library)}new/", form_data(meeting_url="https://bbb.kampus.ac.id/room/x"))
    assert Event.objects.get().meeting_url == "https://bbb.kampus.ac.id/room/x"


def test_taken_slug_is_refused(admin_client, library, other_event):
    response = admin_client.post(f"{base(library)}new/", form_data(slug=other_event.slug))
    assert "slug" in response.context["form"].errors
    assert Event.objects.count() == 1


def _image(fmt="PNG", size=(20, 20)):
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


def test_poster_upload_accepts_an_image(admin_client, library, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    poster = SimpleUploadedFile("poster.webp", _image("WEBP"), content_type="image/webp")
    response = admin_client.post(f"{base(library)}new/", {**form_data(), "poster": poster})
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.poster.name.startswith("events/posters/")
    assert (tmp_path / event.poster.name).exists()


@pytest.mark.parametrize("name, content, code", [
    ("poster.jpg", b"%PDF-1.4 this is not an image", "not_image"),
    ("poster.png", PNG_1PX[:40], "not_image"),  # truncated
    ("poster.gif", None, "format"),
])
def test_poster_upload_rejects_non_images(admin_client, library, settings, tmp_path, name, content, code):
    settings.MEDIA_ROOT = tmp_path
    if content is None:
        content = _image("GIF")
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = admin_client.post(f"{base(library)}new/", {**form_data(), "poster": upload})
    assert response.status_code == 400  # refused: the form again, with why
    errors = response.context["form"].errors.as_data()["poster"]
    assert [e.code for e in errors] == [code]
    text = " ".join(response.context["form"].errors["poster"])
    assert ("JPEG" in text and "PNG" in text and "WebP" in text), text  # says what is accepted
    assert not Event.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_poster_upload_rejects_an_oversize_file(admin_client, library, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    big = _image("PNG") + b"\0" * (5 * 1024 * 1024)
    upload = SimpleUploadedFile("big.png", big, content_type="image/png")
    response = admin_client.post(f"{base(library)}new/", {**form_data(), "poster": upload})
    assert response.status_code == 400  # refused: the form again, with why
    assert [e.code for e in response.context["form"].errors.as_data()["poster"]] == ["too_big"]
    assert "5 MB" in " ".join(response.context["form"].errors["poster"])
    assert not Event.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_edit_records_the_change(admin_client, library, event):
    data = form_data(title="Judul Baru", slug=event.slug, capacity="3")
    response = admin_client.post(f"{base(library)}{event.pk}/edit/", data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Judul Baru"
    entry = AuditEntry.objects.get(action="event.updated")
    assert "title" in entry.data["fields"]


def test_raising_the_quota_promotes_the_waiting_list(admin_client, library, event,
                                                      django_capture_on_commit_callbacks):
    add(event, 5)  # 3 seats: 3 confirmed, 2 waiting
    assert statuses(event)[RegistrationStatus.WAITLISTED] == 2
    data = form_data(slug=event.slug, capacity="4", title=event.title)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{base(library)}{event.pk}/edit/", data, follow=True)
    counts = statuses(event)
    assert counts[RegistrationStatus.CONFIRMED] == 4 and counts[RegistrationStatus.WAITLISTED] == 1
    # The first to wait is the one who moved up.
    assert event.registrations.get(email="p3@example.org").status == RegistrationStatus.CONFIRMED
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and messages[0] != t("Saved.")  # the "moved up" message


def test_quota_cannot_go_below_seats_taken(admin_client, library, event):
    add(event, 3)
    response = admin_client.post(f"{base(library)}{event.pk}/edit/",
                                 form_data(slug=event.slug, capacity="2", title=event.title))
    assert response.status_code == 400  # refused: the form again, with why
    assert "capacity" in response.context["form"].errors
    event.refresh_from_db()
    assert event.capacity == 3


def test_speakers_categories_and_questions_formsets(admin_client, library, event, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = f"{base(library)}{event.pk}/"
    response = admin_client.post(url + "speakers/", {
        "speakers-TOTAL_FORMS": "2", "speakers-INITIAL_FORMS": "0",
        "speakers-0-name": "Dra. Siti", "speakers-0-role": "Narasumber", "speakers-0-position": "1",
        "speakers-0-photo": SimpleUploadedFile("s.png", _image("PNG"), content_type="image/png"),
        "speakers-1-name": "", "speakers-1-role": "", "speakers-1-position": "0",
    })
    assert response.status_code == 302
    speaker = Speaker.objects.get(event=event)
    assert speaker.name == "Dra. Siti" and speaker.photo

    categories = list(event.categories.all())
    data = {"categories-TOTAL_FORMS": str(len(categories) + 1), "categories-INITIAL_FORMS": str(len(categories))}
    for i, cat in enumerate(categories):
        data.update({f"categories-{i}-id": cat.pk, f"categories-{i}-name": cat.name,
                     f"categories-{i}-position": i, f"categories-{i}-event": event.pk})
    data["categories-0-name"] = "Pustakawan sekolah"
    data["categories-4-DELETE"] = "on"
    n = len(categories)
    data.update({f"categories-{n}-name": "Mahasiswa", f"categories-{n}-position": "9"})
    assert admin_client.post(url + "categories/", data).status_code == 302
    names = list(event.categories.values_list("name", flat=True))
    assert names == ["Pustakawan sekolah", "Pengelola perpustakaan", "Widyaiswara", "Guru", "Mahasiswa"]

    bad = {"questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "0",
           "questions-0-label": "Topik favorit", "questions-0-kind": QuestionKind.SINGLE_CHOICE,
           "questions-0-choices_text": "Instagram", "questions-0-position": "0"}
    response = admin_client.post(url + "questions/", bad)
    assert response.status_code == 400  # refused: the form again, with why
    assert t("Give at least two choices, one per line.") in response.content.decode()
    assert not Question.objects.exists()
    good = {**bad, "questions-0-choices_text": "Instagram\n\nFacebook\nInstagram\nTikTok ",
            "questions-0-required": "on"}
    assert admin_client.post(url + "questions/", good).status_code == 302
    question = Question.objects.get()
    assert question.choices == ["Instagram", "Facebook", "TikTok"] and question.required
    assert AuditEntry.objects.filter(action="event.questions_updated").exists()


def test_speaker_photo_must_be_an_image(admin_client, library, event, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = admin_client.post(f"{base(library)}{event.pk}/speakers/", {
        "speakers-TOTAL_FORMS": "1", "speakers-INITIAL_FORMS": "0",
        "speakers-0-name": "X", "speakers-0-position": "0",
        "speakers-0-photo": SimpleUploadedFile("s.png", b"nope", content_type="image/png"),
    })
    assert response.status_code == 400  # refused: the form again, with why
    assert not Speaker.objects.exists()


# --- duplicate and cancel -------------------------------------------------------------------


def test_duplicate_makes_a_draft_copy(admin_client, library, event):
    Speaker.objects.create(event=event, name="Narasumber")
    add(event, 2)
    response = admin_client.post(f"{base(library)}{event.pk}/duplicate/")
    copy = Event.objects.exclude(pk=event.pk).get()
    assert response["Location"] == f"{base(library)}{copy.pk}/edit/"
    assert copy.status == EventStatus.DRAFT and copy.slug == "diskusi-2"
    assert copy.speakers.count() == 1 and copy.categories.count() == 5
    assert copy.registrations.count() == 0
    assert AuditEntry.objects.filter(action="event.duplicated").exists()


def test_duplicate_needs_post(admin_client, library, event):
    assert admin_client.get(f"{base(library)}{event.pk}/duplicate/").status_code == 405


def test_cancel_asks_then_cancels_everyone(admin_client, library, event, django_capture_on_commit_callbacks):
    add(event, 4)
    page = admin_client.get(f"{base(library)}{event.pk}/cancel/")
    assert page.status_code == 200
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED  # the GET only asks
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{base(library)}{event.pk}/cancel/")
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert statuses(event)[RegistrationStatus.CANCELLED] == 4
    assert AuditEntry.objects.filter(action="event.cancelled").exists()
    # A cancelled event's form no longer offers a status.
    edit = admin_client.get(f"{base(library)}{event.pk}/edit/")
    assert "status" not in edit.context["form"].fields


def test_categories_are_per_event(admin_client, library, event, other_event):
    """A category id of another event cannot be posted into this one's formset."""
    foreign = Category.objects.filter(event=other_event).first()
    data = {"categories-TOTAL_FORMS": "1", "categories-INITIAL_FORMS": "1",
            "categories-0-id": foreign.pk, "categories-0-name": "Dibajak", "categories-0-position": "0"}
    admin_client.post(f"{base(library)}{event.pk}/categories/", data)
    foreign.refresh_from_db()
    assert foreign.name != "Dibajak"
