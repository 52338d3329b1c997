"""Zoom at the HTTP boundary: each documented request and answer, and what Sapa does with
success, an expired token, a meeting deleted in Zoom, 429 with Retry-After and 5xx."""

import pytest
from meeting_helpers import make_event, register
from zoom_fake import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, WEBHOOK_SECRET

from sapa.events import services as event_services
from sapa.events.models import RegistrationStatus
from sapa.mail.models import Email
from sapa.meetings import services, tasks
from sapa.meetings.connectors import zoom
from sapa.meetings.models import ZoomAccount, ZoomMeeting, ZoomRegistrant

pytestmark = pytest.mark.django_db


def test_credentials_are_encrypted_at_rest(library, zoom_account):
    row = ZoomAccount.objects.values("secrets_encrypted").get(pk=zoom_account.pk)
    assert (
        CLIENT_SECRET not in row["secrets_encrypted"]
        and WEBHOOK_SECRET not in row["secrets_encrypted"]
    )
    assert ZoomAccount.objects.get(pk=zoom_account.pk).secrets == {
        "client_secret": CLIENT_SECRET,
        "webhook_secret": WEBHOOK_SECRET,
    }
    # Saving again without the secrets keeps them.
    services.save_account(library, account_id=ACCOUNT_ID, client_id=CLIENT_ID)
    assert ZoomAccount.objects.get(pk=zoom_account.pk).secrets["client_secret"] == CLIENT_SECRET


def test_test_connection_asks_a_token_then_the_user(fake_zoom, zoom_account):
    ok, message = services.test_connection(zoom_account)
    assert ok and "zoom@perpus.example.org" in message
    token, me = fake_zoom.requests
    assert token["method"] == "POST" and token["query"] == {
        "grant_type": "account_credentials",
        "account_id": ACCOUNT_ID,
    }
    assert token["headers"]["authorization"].startswith("Basic ")
    assert me["path"] == "/v2/users/me" and me["headers"]["authorization"] == "Bearer " + next(
        iter(fake_zoom.valid_tokens)
    )
    # The token is kept (encrypted) for the next request: no second token request.
    services.test_connection(ZoomAccount.objects.get(pk=zoom_account.pk))
    assert len(fake_zoom.token_requests()) == 1
    assert "token-1" not in ZoomAccount.objects.get(pk=zoom_account.pk).access_token_encrypted


def test_wrong_secret_is_told_plainly(fake_zoom, library, zoom_account):
    account = services.save_account(
        library, account_id=ACCOUNT_ID, client_id=CLIENT_ID, client_secret="wrong"
    )
    ok, message = services.test_connection(account)
    assert not ok and ("client secret" in message.lower() or "rahasia" in message.lower())
    assert ZoomAccount.objects.get(pk=account.pk).test_result == message


def test_create_meeting_with_registration_on(fake_zoom, library, zoom_account):
    event = make_event(library)
    meeting = services.create_meeting(event, kind="meetings")
    (create,) = fake_zoom.api("POST", "/users/me/meetings")
    body = create["json"]
    assert body["type"] == 2 and body["settings"]["approval_type"] == 0
    assert body["settings"]["registration_type"] == 1
    assert body["start_time"] == event.starts_at.astimezone(zoom.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["duration"] == 120 and body["timezone"] == "Asia/Jakarta"
    event.refresh_from_db()
    assert (
        event.meeting_url
        == meeting.join_url
        == f"https://us05web.zoom.us/j/{meeting.zoom_id}?pwd=Mzb1ZkVQ"
    )


def test_webinar_is_type_5(fake_zoom, library, zoom_account):
    services.create_meeting(make_event(library), kind="webinars")
    (create,) = fake_zoom.api("POST", "/users/me/webinars")
    assert create["json"]["type"] == 5 and "registration_type" not in create["json"]["settings"]


def test_confirmed_registration_gets_personal_link_everywhere(
    fake_zoom, library, zoom_account, django_capture_on_commit_callbacks
):
    event = make_event(library)
    meeting = services.create_meeting(event)
    (reg,) = register(event, 1, capture=django_capture_on_commit_callbacks)
    (add,) = fake_zoom.api("POST", r"/registrants$")
    assert add["path"] == f"/v2/meetings/{meeting.zoom_id}/registrants"
    assert add["json"] == {
        "email": "peserta000@example.org",
        "first_name": "Peserta",
        "last_name": "peserta 000",
    }
    row = ZoomRegistrant.objects.get(registration=reg)
    assert row.state == "added" and row.join_url.endswith("-personal")
    # The seam every email, the personal page and the .ics read.
    assert event_services.meeting_link(reg) == row.join_url

    assert row.join_url in event_services.registration_calendar(reg, "confirmed").decode().replace("\r\n ", "")
    message = event_services.registration_message(reg, "confirmed")
    assert row.join_url in message.body


def test_expired_token_is_renewed_once(
    fake_zoom, library, zoom_account, django_capture_on_commit_callbacks
):
    event = make_event(library)
    services.create_meeting(event)
    fake_zoom.expire_tokens()
    (reg,) = register(event, 1, capture=django_capture_on_commit_callbacks)
    assert ZoomRegistrant.objects.get(registration=reg).state == "added"
    assert len(fake_zoom.token_requests()) == 2
    statuses = [r["path"] for r in fake_zoom.requests]
    assert statuses[-3:] == [
        statuses[-3],
        "/oauth/token",
        statuses[-3],
    ]  # 401, new token, the same again


def test_meeting_deleted_in_zoom(
    fake_zoom, library, zoom_account, django_capture_on_commit_callbacks, admin_client
):
    event = make_event(library)
    meeting = services.create_meeting(event)
    del fake_zoom.meetings[meeting.zoom_id]
    (reg,) = register(event, 1, capture=django_capture_on_commit_callbacks)
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.CONFIRMED  # the registration stands
    meeting.refresh_from_db()
    assert meeting.state == ZoomMeeting.State.DELETED
    page = admin_client.get(f"/staff/{library.slug}/events/{event.pk}/zoom/")
    assert page.status_code == 200
    assert meeting.last_error in page.content.decode()
    # Staff can create a new one; the registrant then follows.
    with django_capture_on_commit_callbacks(execute=True):
        services.create_meeting(event)
    assert ZoomRegistrant.objects.get(registration=reg).state == "added"


def test_429_waits_for_retry_after(
    fake_zoom, library, zoom_account, django_capture_on_commit_callbacks
):
    event = make_event(library)
    services.create_meeting(event)
    fake_zoom.fail(
        "POST",
        r"/registrants$",
        429,
        headers={"Retry-After": "2"},
        body={"code": 429, "message": "You have reached the maximum per-second rate limit"},
    )
    (reg,) = register(event, 1, capture=django_capture_on_commit_callbacks)
    assert fake_zoom.slept == [2]
    assert ZoomRegistrant.objects.get(registration=reg).state == "added"


def test_429_with_a_long_wait_is_retried_later(fake_zoom, library, zoom_account):
    account = ZoomAccount.objects.get(pk=zoom_account.pk)
    fake_zoom.fail("GET", "/users/me", 429, headers={"Retry-After": "3600"})
    with pytest.raises(zoom.ZoomBusy) as caught:
        services.client(account).me()
    assert caught.value.retry_after == 3600 and fake_zoom.slept == []


def test_5xx_then_success(fake_zoom, library, zoom_account, django_capture_on_commit_callbacks):
    event = make_event(library)
    services.create_meeting(event)
    fake_zoom.fail("POST", r"/registrants$", 502, times=2)
    (reg,) = register(event, 1, capture=django_capture_on_commit_callbacks)
    assert fake_zoom.slept == [1, 2]
    assert len(fake_zoom.api("POST", r"/registrants$")) == 3
    assert ZoomRegistrant.objects.get(registration=reg).state == "added"


def test_outage_never_blocks_a_registration_and_the_link_follows(
    fake_zoom, library, zoom_account, django_capture_on_commit_callbacks, client
):
    from datetime import timedelta

    from django.utils import timezone

    event = make_event(library)
    meeting = services.create_meeting(event)
    fake_zoom.down = True
    (reg,) = register(event, 1, capture=django_capture_on_commit_callbacks)
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.CONFIRMED
    row = ZoomRegistrant.objects.get(registration=reg)
    assert row.state == "pending" and row.last_error
    # Until Zoom answers: the meeting's shared link, and the participant is told.
    assert event_services.meeting_link(reg) == meeting.join_url
    page = client.get(event_services.manage_url(reg).removeprefix("http://testserver"))
    assert "Zoom" in page.content.decode() and row.join_url == ""
    assert "being prepared" in page.content.decode() or "sedang disiapkan" in page.content.decode()
    # Zoom is back; the sweep adds the registrant and emails the personal link.
    fake_zoom.down = False
    type(reg).objects.filter(pk=reg.pk).update(confirmed_at=timezone.now() - timedelta(minutes=30))
    assert tasks.sweep() == 1
    row.refresh_from_db()
    assert row.state == "added"
    mail = Email.objects.get(dedupe_key=f"zoom-link:{reg.pk}")
    assert row.join_url in mail.body_text


def test_time_change_updates_the_meeting(
    fake_zoom, library, zoom_account, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    event = make_event(library)
    meeting = services.create_meeting(event)
    event.starts_at += timedelta(hours=1)
    event.ends_at += timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        event.save()
    (patch,) = fake_zoom.api("PATCH", f"/meetings/{meeting.zoom_id}$")
    assert patch["json"]["duration"] == 180
    assert patch["json"]["start_time"] == event.starts_at.astimezone(zoom.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    # Saving without a change tells Zoom nothing.
    with django_capture_on_commit_callbacks(execute=True):
        type(event).objects.get(pk=event.pk).save()
    assert len(fake_zoom.api("PATCH")) == 1


def test_cancel_removes_the_registrant(
    fake_zoom, library, zoom_account, django_capture_on_commit_callbacks
):
    event = make_event(library)
    meeting = services.create_meeting(event)
    (reg,) = register(event, 1, capture=django_capture_on_commit_callbacks)
    rid = ZoomRegistrant.objects.get(registration=reg).registrant_id
    with django_capture_on_commit_callbacks(execute=True):
        event_services.cancel_registration(reg, by="participant")
    (delete,) = fake_zoom.api("DELETE")
    assert delete["path"] == f"/v2/meetings/{meeting.zoom_id}/registrants/{rid}"
    assert fake_zoom.registrants(meeting.zoom_id) == {}
    assert ZoomRegistrant.objects.get(registration=reg).state == "removed"
    assert event_services.meeting_link(reg) == meeting.join_url


def test_erased_registration_leaves_zoom(
    fake_zoom, library, zoom_account, django_capture_on_commit_callbacks
):
    event = make_event(library)
    meeting = services.create_meeting(event)
    (reg,) = register(event, 1, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        # The retention's erasure (no cancellation first).
        event_services.anonymize_registration(reg)
    assert fake_zoom.registrants(meeting.zoom_id) == {}
    assert len(fake_zoom.api("DELETE")) == 1
    row = ZoomRegistrant.objects.get(registration=reg)
    assert row.state == "removed" and row.join_url == ""


def test_a_registrant_zoom_keeps_refusing_is_shown_to_staff(
    fake_zoom, library, zoom_account, admin_client, django_capture_on_commit_callbacks
):
    event = make_event(library)
    services.create_meeting(event)
    fake_zoom.fail(
        "POST", r"/registrants$", 400, body={"code": 300, "message": "Invalid email"}, times=1000
    )
    (reg,) = register(event, 1, capture=django_capture_on_commit_callbacks)
    for _ in range(25):
        tasks.sweep()
    row = ZoomRegistrant.objects.get(registration=reg)
    assert row.state == "pending" and row.attempts == services.SWEEP_GIVES_UP_AFTER
    page = admin_client.get(f"/staff/{library.slug}/events/{event.pk}/zoom/").content.decode()
    assert reg.name in page and "300" in page
