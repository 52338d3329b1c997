"""Staff results (numbers, chart, tallies, comments), export, settings, invitations by real SMTP
(once, in the participant's language, only attendees), tenancy."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from survey_helpers import (  # noqa: F401
    add_questions,
    attend,
    ended_event_fixture,
    make_event,
    register,
    t,
)

from sapa.libraries.models import Role
from sapa.mail.models import Email
from sapa.survey import services
from sapa.survey.models import SurveyQuestion

pytestmark = pytest.mark.django_db


def _base(library, event):
    return f"/staff/{library.slug}/events/{event.pk}/survey/"


@pytest.fixture
def answered(ended_event):
    q = add_questions(ended_event)
    people = register(ended_event, 6)
    attend(people[:5])
    data = [(5, "yes", ["Instagram"], "2", "Webinar", "Mantap"), (4, "yes", ["Instagram", "TikTok"], "4", "Webinar", ""),
            (4, "no", ["Desain"], "", "Tatap muka", "Terlalu singkat")]
    for person, (rating, useful, topics, hours, fmt, comment) in zip(people, data, strict=False):
        answers = {str(q["useful"].pk): useful, str(q["topics"].pk): topics, str(q["format"].pk): fmt}
        if hours:
            answers[str(q["hours"].pk)] = hours
        services.submit_response(person, rating=rating, comments=comment, answers=answers)
    return ended_event, q


def test_results_numbers(answered, admin_client, library):
    event, q = answered
    result = services.results(services.survey_for(event))
    assert result["count"] == 3 and result["base"] == 5 and result["rate"] == 60.0
    assert result["average"] == pytest.approx(4.33)
    assert result["distribution"] == [(1, 0), (2, 0), (3, 0), (4, 2), (5, 1)]
    by_label = {item["question"].label: item for item in result["questions"]}
    assert by_label["Jam per minggu untuk medsos"]["average"] == 3
    assert dict(by_label["Topik berikutnya"]["tally"]) == {"Desain": 1, "Instagram": 2, "TikTok": 1}
    assert dict(by_label["Materi bermanfaat?"]["tally"]) == {t("Yes"): 2, t("No"): 1}
    page = admin_client.get(_base(library, event)).content.decode()
    assert '<dd id="response-count">3</dd>' in page
    assert "60,0%" in page and "4,33 / 5" in page  # Indonesian decimals
    assert "<svg" in page and 'role="img"' in page  # the distribution chart
    assert "Terlalu singkat" in page and "Mantap" in page


def test_export_csv_and_xlsx(answered, admin_client, library):
    event, q = answered
    response = admin_client.get(_base(library, event) + "export/?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][2:5] == [t("Rating"), t("Comments"), "Materi bermanfaat?"]
    assert [r[2] for r in rows[1:]] == ["5", "4", "4"]
    assert rows[2][5] == "Instagram, TikTok"
    assert "p0@example.org" not in response.content.decode()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(admin_client.get(_base(library, event) + "export/?format=xlsx").content)).active
    assert [c.value for c in sheet[2]][2] == 5 and sheet.max_row == 4
    assert admin_client.get(_base(library, event) + "export/?format=doc").status_code == 404


def test_settings_and_questions(ended_event, admin_client, library):
    services.survey_for(ended_event)
    response = admin_client.post(_base(library, ended_event) + "settings/", {
        "s-opens_at": "2026-01-05T10:00", "s-open_days": "0", "s-intro": "",
        "q-TOTAL_FORMS": "1", "q-INITIAL_FORMS": "0", "q-MIN_NUM_FORMS": "0", "q-MAX_NUM_FORMS": "1000",
        "q-0-label": "Pilihan", "q-0-kind": "single_choice", "q-0-choices_text": "Satu", "q-0-position": "0"})
    assert response.status_code == 400
    body = response.content.decode()
    assert t("Give at least two choices, one per line.") in body
    assert not SurveyQuestion.objects.exists()
    response = admin_client.post(_base(library, ended_event) + "settings/", {
        "s-opens_at": "2026-01-05T10:00", "s-open_days": "5", "s-intro": "Terima kasih",
        "q-TOTAL_FORMS": "1", "q-INITIAL_FORMS": "0", "q-MIN_NUM_FORMS": "0", "q-MAX_NUM_FORMS": "1000",
        "q-0-label": "Pilihan", "q-0-kind": "single_choice", "q-0-choices_text": "Satu\nDua", "q-0-position": "0"})
    assert response.status_code == 302
    assert SurveyQuestion.objects.get().choices == ["Satu", "Dua"]


def test_invitations_go_once_to_attendees_through_smtp(ended_event, smtp_server, admin_client, library,
                                                       django_capture_on_commit_callbacks):
    people = register(ended_event, 3)
    people[1].language = "en"
    people[1].save()
    attend(people[:2])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_invitations() == 2
    assert sorted(m["To"] for m in smtp_server.messages) == ["p0@example.org", "p1@example.org"]
    by_to = {m["To"]: m for m in smtp_server.messages}
    assert by_to["p1@example.org"]["Subject"].startswith("How was it?")
    assert not by_to["p0@example.org"]["Subject"].startswith("How was it?")
    body = by_to["p0@example.org"].get_body(preferencelist=("plain",)).get_content()
    assert services.survey_url(people[0]) in body
    # Staff click "send" again, the job runs again: nobody gets it twice.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(_base(library, ended_event) + "invite/", follow=True)
        services.send_due_invitations()
    assert response.status_code == 200
    assert len(smtp_server.messages) == 2
    assert Email.objects.filter(dedupe_key__startswith="survey-invite:").count() == 2


def test_attendees_imported_later_are_invited_by_the_next_run(ended_event, django_capture_on_commit_callbacks):
    people = register(ended_event, 3)
    attend(people[:1])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_invitations() == 1
        attend(people[1:])  # the Zoom report is imported a day later
        assert services.send_due_invitations() == 2
        assert services.send_due_invitations() == 0
    assert Email.objects.filter(dedupe_key__startswith="survey-invite:").count() == 3


def test_no_invitation_before_the_survey_opens(library, django_capture_on_commit_callbacks):
    event = make_event(library, ended=False)
    attend(register(event, 2))
    services.survey_for(event)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_invitations() == 0
        assert services.send_due_invitations(now=timezone.now() + timedelta(days=3)) == 2


def test_open_and_close_by_staff(library, admin_client):
    event = make_event(library, ended=False)
    base = _base(library, event)
    admin_client.post(base + "open/")
    assert services.survey_for(event).is_open()
    admin_client.post(base + "close/")
    assert services.survey_for(event).state() == "closed"


@pytest.mark.parametrize("tail, method", [("", "get"), ("settings/", "get"), ("export/", "get"),
                                          ("open/", "post"), ("invite/", "post")])
def test_another_library_gets_404(ended_event, other_library, tail, method, library):
    from django.test import Client

    from sapa.libraries.models import User

    user = User.objects.get(email="admin-b@example.org")
    client = Client()
    client.force_login(user, backend="sapa.libraries.auth.EmailBackend")
    assert getattr(client, method)(_base(other_library, ended_event) + tail).status_code == 404
    assert getattr(client, method)(_base(library, ended_event) + tail).status_code == 404


def test_staff_see_results_but_cannot_export(ended_event, library, make_user):
    from factories import make_member
    from testkit import client_for

    client = client_for(make_member(library, Role.STAFF, "staf@example.org"))
    assert client.get(_base(library, ended_event)).status_code == 200
    assert client.get(_base(library, ended_event) + "export/").status_code == 404
    assert client.get(_base(library, ended_event) + "settings/").status_code == 404
