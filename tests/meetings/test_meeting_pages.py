"""The staff pages: who may see and change what, and clear messages on bad input."""

import pytest
from meeting_helpers import make_event
from testkit import member
from zoom_fake import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET

from sapa.libraries.models import Role
from sapa.meetings.models import ZoomAccount, ZoomMeeting

pytestmark = pytest.mark.django_db


def test_only_admins_set_up_zoom(library, member_client, admin_client):
    for role in (Role.STAFF, Role.EDITOR):
        assert member_client(role).get(f"/staff/{library.slug}/zoom/").status_code == 404
    assert admin_client.get(f"/staff/{library.slug}/zoom/").status_code == 200
    # A missing secret is said, nothing stored.
    page = admin_client.post(
        f"/staff/{library.slug}/zoom/", {"account_id": ACCOUNT_ID, "client_id": CLIENT_ID}
    )
    assert page.status_code == 200 and "has-error" in page.content.decode()
    assert not ZoomAccount.objects.exists()


def test_save_test_and_webhook_address(fake_zoom, library, admin_client):
    page = admin_client.post(
        f"/staff/{library.slug}/zoom/",
        {
            "account_id": ACCOUNT_ID,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "webhook_secret": "abc",
        },
    )
    assert page.status_code == 302
    account = ZoomAccount.objects.get(library=library)
    page = admin_client.get(f"/staff/{library.slug}/zoom/")
    assert f"/hooks/zoom/{account.webhook_key}/" in page.content.decode()
    assert CLIENT_SECRET not in page.content.decode()
    page = admin_client.post(f"/staff/{library.slug}/zoom/test/", follow=True)
    assert "zoom@perpus.example.org" in page.content.decode()


def test_event_page_roles_and_other_libraries(
    fake_zoom, library, zoom_account, member_client, make_user, other_library
):
    event = make_event(library)
    staff = member_client(Role.STAFF)
    assert staff.get(f"/staff/{library.slug}/events/{event.pk}/zoom/").status_code == 200
    # Staff see it; creating a meeting is for editors and admins.
    assert (
        staff.post(
            f"/staff/{library.slug}/events/{event.pk}/zoom/", {"kind": "meetings"}
        ).status_code
        == 404
    )
    assert not ZoomMeeting.objects.exists()
    outsider = member(make_user, other_library, Role.ADMIN)
    assert outsider.get(f"/staff/{other_library.slug}/events/{event.pk}/zoom/").status_code == 404
    assert outsider.post(f"/staff/{other_library.slug}/events/{event.pk}/meet/").status_code == 404
    editor = member_client(Role.EDITOR)
    page = editor.post(
        f"/staff/{library.slug}/events/{event.pk}/zoom/", {"kind": "meetings"}, follow=True
    )
    assert ZoomMeeting.objects.get(event=event).join_url in page.content.decode()


def test_zoom_refusal_is_shown_not_a_500(fake_zoom, library, zoom_account, member_client):
    event = make_event(library)
    fake_zoom.fail(
        "POST", "/users/me/meetings", 400, body={"code": 300, "message": "Invalid start_time"}
    )
    page = member_client(Role.EDITOR).post(
        f"/staff/{library.slug}/events/{event.pk}/zoom/", {"kind": "meetings"}, follow=True
    )
    assert page.status_code == 200 and "300" in page.content.decode()
    assert not ZoomMeeting.objects.exists()
