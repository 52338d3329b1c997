"""`sapa demo`: the demo event gets the article's prizes and a survey; a second run changes nothing."""

import pytest
from django.apps import apps

from sapa.events.demo import DEMO_SLUG
from sapa.events.demo import load_demo as load_events_demo
from sapa.events.models import Event
from sapa.prizes.models import Prize, PrizeVariant
from sapa.survey.models import SurveyQuestion

pytestmark = pytest.mark.django_db


def test_demo_prizes_and_survey_once(library, admin_user):
    load_events_demo(library, admin_user)
    for _ in range(2):
        apps.get_app_config("prizes").load_demo(library, admin_user)
        apps.get_app_config("survey").load_demo(library, admin_user)
    event = Event.objects.get(slug=DEMO_SLUG)
    prizes = {p.name: p for p in Prize.objects.filter(event=event)}
    assert set(prizes) == {"Buku", "Kaos Sapa", "Payung", "Mug"}
    assert [v.name for v in prizes["Kaos Sapa"].variants.all()] == ["S", "M", "L", "XL"]
    assert prizes["Kaos Sapa"].quantity == sum(v.stock for v in prizes["Kaos Sapa"].variants.all())
    assert PrizeVariant.objects.filter(prize__event=event).count() == 7
    assert SurveyQuestion.objects.filter(survey__event=event).count() == 2
