"""Staff API: an event's registrations, listed and exported, only within the token owner's libraries."""

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook
from staff_helpers import add, event_fixture, other_event_fixture  # noqa: F401

from sapa.libraries.models import AuditEntry, Membership, Role
from sapa.libraries.services import create_api_token

pytestmark = pytest.mark.django_db


def api(user):
    _token, raw = create_api_token(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def url(event, suffix=""):
    return f"/api/v1/libraries/{event.library.slug}/events/{event.slug}/registrations{suffix}"


def test_list_paginated_and_filtered(admin_user, event):
    add(event, 5)  # 3 confirmed, 2 waiting
    client = api(admin_user)
    response = client.get(url(event), {"page_size": 2, "page": 2})
    assert response.status_code == 200
    data = response.json()
    assert (data["count"], data["pages"], data["page"]) == (5, 3, 2)
    assert [r["email"] for r in data["results"]] == ["p2@example.org", "p3@example.org"]
    waiting = client.get(url(event), {"status": "waitlisted"}).json()
    assert {r["email"] for r in waiting["results"]} == {"p3@example.org", "p4@example.org"}
    assert waiting["results"][0]["status"] == "waitlisted"
    guru = event.categories.get(name="Guru")
    add(event, 1, start=9, category=guru)
    by_category = client.get(url(event), {"category": guru.pk}).json()
    assert [r["category"] for r in by_category["results"]] == ["Guru"]
    searched = client.get(url(event), {"q": "Peserta 4"}).json()
    assert [r["email"] for r in searched["results"]] == ["p4@example.org"]


def test_bad_status_is_a_clear_400(admin_user, event):
    response = api(admin_user).get(url(event), {"status": "maybe"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_staff_member_may_neither_list_nor_export(make_user, library, event):
    user = make_user("staff@example.org")
    Membership.objects.create(user=user, library=library, role=Role.STAFF)
    # Both are the editor's right, as the export button (tests/security/test_api_privacy.py).
    for suffix in ("", "/export?format=csv"):
        response = api(user).get(url(event, suffix))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


def test_other_library_is_404_in_the_one_error_body(admin_user, library, other_event):
    client = api(admin_user)
    add(other_event, 2)
    urls = [
        url(other_event), url(other_event, "/export?format=csv"),
        # B's event under A's slug.
        f"/api/v1/libraries/{library.slug}/events/{other_event.slug}/registrations",
        f"/api/v1/libraries/{library.slug}/events/{other_event.slug}/registrations/export?format=csv",
        "/api/v1/libraries/nowhere/events/x/registrations",
    ]
    for u in urls:
        response = client.get(u)
        assert response.status_code == 404, u
        assert response.json() == {"error": {"code": "not_found", "message": response.json()["error"]["message"],
                                              "details": None}}
    assert not AuditEntry.objects.filter(action="registrations.exported").exists()


def test_needs_a_token(event):
    assert Client().get(url(event)).status_code == 401


def test_export_csv_and_xlsx_streamed_and_audited(admin_user, event):
    add(event, 4)
    client = api(admin_user)
    response = client.get(url(event, "/export"), {"format": "csv-semicolon", "status": "confirmed"})
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(table) == 1 + 3
    response = client.get(url(event, "/export"), {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert len(list(book.worksheets[0].iter_rows())) == 1 + 4
    entries = AuditEntry.objects.filter(action="registrations.exported").order_by("id")
    assert [(e.data["format"], e.data["via"], e.actor) for e in entries] == [
        ("csv-semicolon", "api", admin_user), ("xlsx", "api", admin_user)]
    assert entries[0].data["filters"] == {"status": "confirmed"}


def test_export_unknown_format(admin_user, event):
    response = api(admin_user).get(url(event, "/export"), {"format": "pdf"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
