"""The survey form in a real phone browser, without JavaScript: accessible, answered once."""

from datetime import timedelta

import pytest
from browser_helpers import assert_accessible, screenshot
from factories import make_event, make_library

from sapa.events import services as event_services
from sapa.survey.models import QuestionKind, Response, SurveyQuestion
from sapa.survey.services import survey_for


@pytest.fixture
def participant(transactional_db, settings, live_server):
    settings.BASE_URL = live_server.url
    library = make_library("balitbangdiklat", "Perpustakaan Balitbangdiklat Kemenag")
    event = make_event(library, starts_at=-timedelta(hours=3), categories=False)
    survey = survey_for(event)
    SurveyQuestion.objects.create(survey=survey, label="Apakah materi bermanfaat?", kind=QuestionKind.YES_NO,
                                  required=True)
    SurveyQuestion.objects.create(survey=survey, label="Topik berikutnya", kind=QuestionKind.MULTIPLE_CHOICE,
                                  choices=["Desain konten", "Instagram"])
    return event_services.register(event, name="Dewi Sartika", email="dewi@example.org", consent=True,
                                   source="staff").registration


def test_survey_from_the_personal_page_without_javascript(browser, live_server, participant):
    context = browser.new_context(java_script_enabled=False, locale="id-ID",
                                  viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server.url}/p/{participant.public_id}/{participant.manage_token}/")
    page.get_by_role("link", name="Isi survei").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Kirim jawaban saya").click()  # nothing chosen
    page.wait_for_load_state()
    assert page.get_by_text("Pilih nilai dari 1 sampai 5.").is_visible()
    page.locator("label[for=id_rating_3]").click()
    page.get_by_label("Ya").check()
    page.get_by_label("Instagram").check()
    page.get_by_label("Komentar dan saran").fill("Sangat bermanfaat, terima kasih.")
    page.get_by_role("button", name="Kirim jawaban saya").click()
    page.wait_for_load_state()
    assert page.get_by_text("Jawaban Anda sudah kami terima").is_visible()
    response = Response.objects.get(registration=participant)
    assert response.rating == 4 and response.comments == "Sangat bermanfaat, terima kasih."
    context.close()


def test_survey_form_is_accessible(phone_page, live_server, participant):
    page = phone_page
    page.goto(f"{live_server.url}/survei/{participant.public_id}/{participant.manage_token}/")
    assert page.locator("input[name=rating]").count() == 5
    screenshot(page, "survey-form")
    assert_accessible(page)
