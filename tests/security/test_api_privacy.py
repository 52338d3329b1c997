"""Participants' personal data through the API: the editor's role and an audit entry, as the export.

Issue 11, item 6: GET /api/v1/libraries/<slug>/events/<event>/registrations
listed names, emails and WhatsApp numbers to any staff token and left no trace.
"""

import pytest
from django.test import Client
from django.utils import timezone
from factories import make_event

from sapa.events.services import register
from sapa.libraries.models import AuditEntry, Membership, Role
from sapa.libraries.services import create_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(library):
    event = make_event(library, slug="sharing", title="Sharing session", starts_at=timezone.timedelta(days=3),
                       capacity=10, categories=False)
    for n in range(3):
        register(event, name=f"Peserta {n}", email=f"p{n}@example.org", consent=True)
    return event


def token_client(user):
    _token, raw = create_api_token(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def list_url(event):
    return f"/api/v1/libraries/{event.library.slug}/events/{event.slug}/registrations"


def test_staff_token_below_editor_gets_no_personal_data(make_user, library, event):
    user = make_user("staf@example.org")
    Membership.objects.create(user=user, library=library, role=Role.STAFF)
    response = token_client(user).get(list_url(event))
    assert response.status_code == 403
    assert b"p0@example.org" not in response.content
    assert response.json()["error"]["code"] == "forbidden"
    assert not AuditEntry.objects.filter(action="registrations.exported").exists()


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMIN])
def test_editor_lists_and_the_list_is_audited_like_the_export(make_user, library, event, role):
    user = make_user(f"{role}-x@example.org")
    Membership.objects.create(user=user, library=library, role=role)
    client = token_client(user)
    response = client.get(list_url(event), {"page_size": 2, "status": "confirmed"})
    assert response.status_code == 200
    assert [r["email"] for r in response.json()["results"]] == ["p0@example.org", "p1@example.org"]
    entry = AuditEntry.objects.get(action="registrations.exported")
    assert entry.library == library and entry.actor == user and entry.object_id == str(event.pk)
    assert entry.data["via"] == "api" and entry.data["format"] == "api-list"
    assert entry.data["rows"] == 2 and entry.data["page"] == 1
    assert entry.data["filters"] == {"status": "confirmed"}
    # The export writes the same entry (its format is the file's).
    client.get(list_url(event) + "/export", {"format": "csv"})
    assert list(
        AuditEntry.objects.filter(action="registrations.exported")
        .order_by("id")
        .values_list("data__format", flat=True)
    ) == ["api-list", "csv"]
