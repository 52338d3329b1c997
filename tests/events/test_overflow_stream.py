"""The overflow stream (issue 16 item 4): when the seats are full, a registrant chooses the
live stream or the waiting list; stream registrants get the stream link, never a seat."""

# ruff: noqa: F811 - pytest fixtures imported from public_helpers

from datetime import timedelta

import pytest
from django.utils import timezone
from public_helpers import (  # noqa: F401
    _public_settings,
    api_body,
    attachments_of,
    form_data,
    make_event,
    smtp_server,
    text_of,
)

from sapa.events import services
from sapa.events.models import Registration, RegistrationStatus

pytestmark = pytest.mark.django_db

STREAM = "https://www.youtube.com/live/abcDEF12345"
ZOOM = "https://us02web.zoom.us/j/123456789"


@pytest.fixture
def stream_event(library):
    return make_event(library, capacity=2, meeting_url=ZOOM, stream_url=STREAM)


def register(event, n, overflow="", **extra):
    return services.register(
        event,
        name=f"Peserta {n}",
        email=f"p{n}@example.org",
        consent=True,
        overflow=overflow,
        **extra,
    ).registration


def statuses(event):
    return sorted(event.registrations.values_list("status", flat=True))


# --- the choice, through the service, the form and the API -------------------------------


def test_full_event_sends_who_chose_the_stream_to_the_stream_and_others_to_the_waiting_list(
    stream_event,
):
    first, second = register(stream_event, 1, "stream"), register(stream_event, 2, "stream")
    # Seats first, whatever was chosen: the stream is only for when no seat is left.
    assert first.status == second.status == RegistrationStatus.CONFIRMED
    watcher = register(stream_event, 3, "stream")
    waiting = register(stream_event, 4, "waitlist")
    default = register(stream_event, 5)
    assert (
        watcher.status == RegistrationStatus.STREAM
        and watcher.confirmed_at
        and not watcher.waitlisted_at
    )
    assert waiting.status == default.status == RegistrationStatus.WAITLISTED
    seats = services.seat_counts(stream_event)
    assert (seats.confirmed, seats.waiting, seats.stream) == (2, 2, 1)


def test_stream_registrations_never_take_a_seat_nor_keep_one_from_the_waiting_list(stream_event):
    seated = [register(stream_event, n) for n in (1, 2)]
    watchers = [register(stream_event, n, "stream") for n in range(3, 8)]
    waiting = register(stream_event, 9, "waitlist")
    # A seat freed goes to the waiting list, not to the stream; cancelling a stream frees nothing.
    services.cancel_registration(watchers[0], by="participant")
    assert stream_event.registrations.filter(status=RegistrationStatus.CONFIRMED).count() == 2
    services.cancel_registration(seated[0], by="participant")
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert stream_event.registrations.filter(status=RegistrationStatus.CONFIRMED).count() == 2
    assert stream_event.registrations.filter(status=RegistrationStatus.STREAM).count() == 4
    # Raising the seats promotes nobody from the stream (they chose it; nobody is waiting).
    stream_event.capacity = 5
    stream_event.save()
    services.capacity_changed(stream_event)
    assert stream_event.registrations.filter(status=RegistrationStatus.CONFIRMED).count() == 2


def test_stream_choice_is_ignored_without_a_stream_link(library):
    event = make_event(library, capacity=1)
    register(event, 1)
    assert register(event, 2, "stream").status == RegistrationStatus.WAITLISTED


def test_cancelled_person_registering_again_may_choose_the_stream(stream_event):
    register(stream_event, 1), register(stream_event, 2)
    again = register(stream_event, 3, "waitlist")
    services.cancel_registration(again, by="participant")
    result = services.register(
        stream_event, name="Peserta 3", email="P3@example.org", consent=True, overflow="stream"
    )
    assert result.created and result.registration.pk == again.pk
    assert result.registration.status == RegistrationStatus.STREAM


def test_the_form_offers_the_choice_and_takes_it(client, stream_event):
    register(stream_event, 1), register(stream_event, 2)
    page = client.get(f"/e/{stream_event.slug}/").content.decode()
    assert 'name="overflow"' in page and 'value="stream"' in page
    assert "Kursi penuh: tonton siaran langsung atau masuk daftar tunggu" in page
    response = client.post(f"/e/{stream_event.slug}/", form_data(stream_event, overflow="stream"))
    assert response.status_code == 302
    assert Registration.objects.get(email="siti@example.org").status == RegistrationStatus.STREAM
    response = client.post(
        f"/e/{stream_event.slug}/",
        form_data(stream_event, email="b@example.org", overflow="youtube"),
    )
    assert response.status_code == 400
    assert "Pilih siaran langsung atau daftar tunggu." in response.content.decode()
    assert not Registration.objects.filter(email="b@example.org").exists()


def test_no_choice_on_an_event_without_stream(client, library):
    event = make_event(library, slug="tanpa-siaran", capacity=1)
    assert 'name="overflow"' not in client.get(f"/e/{event.slug}/").content.decode()


def test_the_api_takes_the_choice_and_says_whether_there_is_a_stream(client, stream_event):
    register(stream_event, 1), register(stream_event, 2)
    detail = client.get(f"/api/v1/events/{stream_event.slug}").json()
    assert detail["has_stream"] is True
    url = f"/api/v1/events/{stream_event.slug}/registrations"
    answer = client.post(
        url, api_body(stream_event, overflow="stream"), content_type="application/json"
    )
    assert answer.status_code == 202
    assert Registration.objects.get(email="budi@example.org").status == RegistrationStatus.STREAM
    bad = client.post(
        url,
        api_body(stream_event, email="c@example.org", overflow="tv"),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "overflow" in bad.json()["error"]["details"]


# --- the stream link, not the meeting link ------------------------------------------------


@pytest.fixture
def mailed(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def test_stream_registrant_gets_the_stream_link_in_email_ics_and_personal_page(
    client, stream_event, smtp_server, mailed
):
    mailed(register, stream_event, 1), mailed(register, stream_event, 2)
    seated_mail = smtp_server.messages[-1]
    assert ZOOM in text_of(seated_mail) and STREAM not in text_of(seated_mail)
    watcher = mailed(register, stream_event, 3, "stream")
    message = smtp_server.messages[-1]
    body = text_of(message)
    assert STREAM in body and ZOOM not in body
    assert "siaran langsung" in body
    ics = attachments_of(message)["undangan.ics"]
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "youtube.com" in ics and "zoom.us" not in ics
    assert services.meeting_link(watcher) == STREAM
    page = client.get(
        services.manage_url(watcher).replace("http://testserver", "")
    ).content.decode()
    assert STREAM in page and ZOOM not in page
    assert "Anda terdaftar untuk menonton siaran langsung." in page


def test_reminders_go_to_stream_registrants_with_the_stream_link(stream_event, smtp_server, mailed):
    register(stream_event, 1), register(stream_event, 2)
    watcher = register(stream_event, 3, "stream")
    register(stream_event, 4, "waitlist")
    Registration.objects.filter(event=stream_event).update(
        confirmed_at=stream_event.starts_at - timedelta(days=3)
    )
    smtp_server.messages.clear()
    sent = mailed(services.send_due_reminders, now=stream_event.starts_at - timedelta(minutes=50))
    assert sent == 3  # two seats and the stream; not the waiting list
    to_watcher = [m for m in smtp_server.messages if m["To"] == watcher.email]
    assert len(to_watcher) == 1
    assert STREAM in text_of(to_watcher[0]) and ZOOM not in text_of(to_watcher[0])


# --- staff: the link and the numbers --------------------------------------------------------


def _staff_form(**overrides):
    data = {
        "title": "Webinar Literasi",
        "slug": "",
        "description": "",
        "time_zone": "Asia/Jakarta",
        "starts_at": "2030-07-21T09:00",
        "ends_at": "2030-07-21T11:30",
        "meeting_url": ZOOM,
        "meeting_link_policy": "confirmation",
        "venue": "",
        "capacity": "100",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "visibility": "public",
        "status": "published",
        "consent_text": "",
        "retention_days": "365",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "ftp://youtube.com/live/x",
        "https://example.com/live",
        "https://youtube.com.evil.id/live",
    ],
)
def test_stream_link_must_be_youtube_or_facebook_over_http(admin_client, library, link):
    from sapa.events.models import Event

    response = admin_client.post(f"/staff/{library.slug}/events/new/", _staff_form(stream_url=link))
    assert response.status_code == 400
    assert "stream_url" in response.context["form"].errors
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "link", [STREAM, "https://www.facebook.com/perpusnas/videos/123", "https://youtu.be/abc"]
)
def test_youtube_and_facebook_links_are_taken(admin_client, library, link):
    from sapa.events.models import Event

    response = admin_client.post(f"/staff/{library.slug}/events/new/", _staff_form(stream_url=link))
    assert response.status_code == 302
    assert Event.objects.get().stream_url == link


def test_event_page_and_staff_page_count_seats_and_stream_apart(
    client, admin_client, library, stream_event
):
    register(stream_event, 1), register(stream_event, 2)
    for n in range(3, 6):
        register(stream_event, n, "stream")
    register(stream_event, 9, "waitlist")
    page = client.get(f"/e/{stream_event.slug}/").content.decode()
    assert "Penuh" in page
    assert "3 orang terdaftar untuk siaran langsung" in page
    staff = admin_client.get(f"/staff/{library.slug}/events/{stream_event.pk}/").content.decode()
    assert "<strong>2</strong> / 2" in staff
    assert "<strong>3</strong><span>menonton siaran langsung" in staff
    assert "<strong>1</strong><span>di daftar tunggu" in staff


def test_registration_closed_refuses_the_stream_too(stream_event):
    stream_event.registration_closes_at = timezone.now() - timedelta(minutes=1)
    stream_event.save()
    with pytest.raises(services.RegistrationRefused):
        register(stream_event, 1, "stream")


def test_promotion_dashboard_and_library_report_count_the_stream_apart(
    admin_client, library, stream_event
):
    from sapa.promotion import stats

    first = register(stream_event, 1)
    register(stream_event, 2)
    watchers = [register(stream_event, n, "stream") for n in (3, 4, 5)]
    # Full when the second seat was taken; the stream afterwards changes nothing.
    assert (
        stats.full_at(stream_event) == Registration.objects.get(email="p2@example.org").confirmed_at
    )
    services.cancel_registration(first, by="participant")
    assert (
        stats.full_at(stream_event) == Registration.objects.get(email="p2@example.org").confirmed_at
    )
    assert (
        stats.summary(stream_event)["stream"] == 3 and stats.summary(stream_event)["confirmed"] == 1
    )
    page = admin_client.get(f"/staff/{library.slug}/promotion/events/{stream_event.pk}/dashboard/")
    assert "<strong>3</strong><span>Siaran langsung" in page.content.decode()
    start = (stream_event.starts_at - timedelta(days=1)).date().isoformat()
    end = (stream_event.starts_at + timedelta(days=1)).date().isoformat()
    csv = admin_client.get(
        f"/staff/{library.slug}/promotion/report/", {"start": start, "end": end, "format": "csv"}
    ).content.decode("utf-8-sig")
    header, row = csv.splitlines()[:2]
    assert "Siaran langsung" in header.split(",")
    cells = row.split(",")
    assert cells[header.split(",").index("Siaran langsung")] == str(len(watchers))


def test_staff_registration_list_shows_the_stream_among_the_active(
    admin_client, library, stream_event
):
    register(stream_event, 1), register(stream_event, 2)
    register(stream_event, 3, "stream")
    url = f"/staff/{library.slug}/events/{stream_event.pk}/registrations/"
    assert "Peserta 3" in admin_client.get(url, {"status": "active"}).content.decode()
    only_stream = admin_client.get(url, {"status": "stream"}).content.decode()
    assert "Peserta 3" in only_stream and "Peserta 1" not in only_stream
