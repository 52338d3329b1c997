"""The participant's survey: through the personal link, one response, closed refused, bad input."""

from datetime import timedelta

import pytest
from django.utils import timezone
from survey_helpers import add_questions, ended_event_fixture, make_event, register, respond_path, t  # noqa: F401

from sapa.events import services as event_services
from sapa.survey import services
from sapa.survey.models import Response

pytestmark = pytest.mark.django_db


def _answers(q, **extra):
    data = {"rating": "4", "comments": "Sangat bermanfaat", f"q_{q['useful'].pk}": "yes",
            f"q_{q['topics'].pk}": ["Instagram", "TikTok"], f"q_{q['hours'].pk}": "2,5".replace(",", "."),
            f"q_{q['format'].pk}": "Webinar", f"q_{q['idea'].pk}": "Lebih banyak contoh"}
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def test_the_personal_page_links_to_the_survey_then_thanks(ended_event, client):
    add_questions(ended_event)
    person = register(ended_event, 1)[0]
    manage = f"/p/{person.public_id}/{person.manage_token}/"
    page = client.get(manage).content.decode()
    assert t("Fill in the survey") in page and respond_path(person) in page
    form = client.get(respond_path(person)).content.decode()
    assert 'name="rating"' in form and "Materi bermanfaat?" in form
    qs = {x.label: x for x in services.survey_for(ended_event).questions.all()}
    data = {"rating": "5", f"q_{qs['Materi bermanfaat?'].pk}": "no",
            f"q_{qs['Topik berikutnya'].pk}": ["Desain"], f"q_{qs['Jam per minggu untuk medsos'].pk}": "3"}
    response = client.post(respond_path(person), data)
    assert response.status_code == 302
    saved = Response.objects.get(registration=person)
    assert saved.rating == 5 and saved.answers[str(qs["Materi bermanfaat?"].pk)] == "no"
    assert saved.answers[str(qs["Topik berikutnya"].pk)] == ["Desain"]
    assert saved.answers[str(qs["Jam per minggu untuk medsos"].pk)] == "3"
    page = client.get(manage).content.decode()
    assert t("Thank you for answering the survey!") in page and t("Fill in the survey") not in page


def test_one_response_per_registration(ended_event, client):
    q = add_questions(ended_event)
    person = register(ended_event, 1)[0]
    assert client.post(respond_path(person), _answers(q)).status_code == 302
    second = client.post(respond_path(person), _answers(q, rating="1"))
    assert second.status_code == 409
    assert Response.objects.filter(registration=person).count() == 1
    assert Response.objects.get(registration=person).rating == 4
    with pytest.raises(services.SurveyRefused) as refused:
        services.submit_response(person, rating=2)
    assert refused.value.code == "answered"


def test_a_closed_or_unopened_survey_is_refused(library, client):
    event = make_event(library)
    person = register(event, 1)[0]
    survey = services.survey_for(event)
    services.close_now(survey)
    page = client.get(respond_path(person))
    assert t("The survey is closed. Thank you for your interest.") in page.content.decode()
    assert client.post(respond_path(person), {"rating": "5"}).status_code == 403
    assert not Response.objects.exists()
    future = make_event(library, slug="besok", ended=False)
    other = register(future, 1, start=5)[0]
    assert "name=\"rating\"" not in client.get(respond_path(other)).content.decode()
    with pytest.raises(services.SurveyRefused) as refused:
        services.submit_response(other, rating=5)
    assert refused.value.code == "not_yet"
    # Open for a week only.
    services.open_now(survey)
    assert survey.is_open()
    assert not survey.is_open(timezone.now() + timedelta(days=8))


@pytest.mark.parametrize("change, message", [
    ({"rating": None}, "Choose a rating from 1 to 5."),
    ({"rating": "9"}, "Choose a rating from 1 to 5."),
    ({"useful": None}, "Please answer this question."),
    ({"hours": "banyak"}, "Enter a number."),
    ({"topics": ["Radio"]}, "Choose one of the answers offered."),
])
def test_bad_input_gets_a_clear_message_and_stores_nothing(ended_event, client, change, message):
    q = add_questions(ended_event)
    person = register(ended_event, 1)[0]
    data = _answers(q)
    for key, value in change.items():
        name = "rating" if key == "rating" else f"q_{q[key].pk}"
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    response = client.post(respond_path(person), data)
    assert response.status_code == 400
    assert t(message) in response.content.decode()
    assert not Response.objects.exists()


def test_wrong_token_is_404_and_cancelled_registrations_cannot_answer(ended_event, client):
    person, other = register(ended_event, 2)
    assert client.get(f"/survei/{person.public_id}/{person.manage_token[:-2]}xx/").status_code == 404
    event_services.cancel_registration(other, by="participant")
    other.refresh_from_db()
    assert client.post(respond_path(other), {"rating": "5"}).status_code == 403
    assert t("Only confirmed participants can answer this survey.") in client.get(respond_path(other)).content.decode()


def test_respondents_contract(ended_event):
    people = register(ended_event, 3)
    services.submit_response(people[0], rating=3)
    services.submit_response(people[2], rating=5)
    assert services.respondent_registration_ids(ended_event) == {people[0].pk, people[2].pk}
