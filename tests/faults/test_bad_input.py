"""Odd input to every public form, the staff filters and the API: a clear refusal or a normal answer, never a 500.

The odd inputs (issue 12, item 8): NUL, other control characters, text that is
not UTF-8, a body in UTF-16, ids above 2**63, days like 0001-01-01 and
9999-12-31. After all of them, no text stored anywhere holds a control
character (what reached the exports before).
"""

import re
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import override as language
from factories import make_event

from sapa.attendance.services import record_attendance
from sapa.events import services as event_services
from sapa.events.forms import form_timestamp, question_field_name
from sapa.events.models import Question, QuestionKind
from sapa.news.models import Article, ArticleState
from sapa.prizes import services as prize_services
from sapa.prizes.models import Prize
from sapa.social import services as social_services
from sapa.social import workflow
from sapa.survey.models import QuestionKind as SurveyKind
from sapa.survey.models import SurveyQuestion
from sapa.survey.services import survey_for

pytestmark = pytest.mark.django_db(transaction=False)

HUGE = str(2**64)
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
TEXTS = {
    "nul": "Siti\x00Rahma",
    "control": "Siti\x01Rahma\x1b[31m",
    "c1": "Siti\x85Rahma",
    "del": "Siti\x7f",
}
# Not UTF-8: a Latin-1 "é" and a lone continuation byte, percent-encoded as a browser would not.
NOT_UTF8 = "%E9t%E9%80"


UNREADABLE = (
    "The request contains characters that could not be read (it is not valid UTF-8, or it contains a NUL "
    "character). Type the text again, or paste it as plain text."
)
CONTROL_MESSAGE = (
    "This text contains invisible control characters or characters that could not be read. Type it "
    "again, or paste it as plain text."
)


def t(text):
    with language("id"):
        return gettext(text)


@pytest.fixture(autouse=True)
def _hosts(settings, tmp_path):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SAPA_REGISTRATION_RATE = "100000/600"
    settings.SAPA_REGISTRATION_MIN_SECONDS = 3
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def site(library, admin_user, django_capture_on_commit_callbacks):
    """One of each public form's targets: an open event, a live one, an ended one with a winner, an article..."""
    now = timezone.now()
    upcoming = make_event(library, slug="akan-datang", title="Acara", capacity=1000, starts_at=timedelta(days=5),
                          registration_opens_at=timedelta(days=-1))
    question = Question.objects.create(
        event=upcoming, label="Jabatan", kind=QuestionKind.SHORT_TEXT, required=True, position=0
    )
    person = event_services.register(
        upcoming, name="Budi Santoso", email="budi@example.org", consent=True, source="staff"
    ).registration
    live = make_event(library, slug="berlangsung", title="Live", starts_at=-timedelta(minutes=30),
                      ends_at=timedelta(hours=2), registration_closes_at=timedelta(hours=1), categories=False)
    listener = event_services.register(
        live, name="Ani", email="ani@example.org", consent=True, source="staff"
    ).registration
    ended = make_event(library, slug="selesai", title="Selesai", starts_at=-timedelta(hours=3), categories=False,
                       registration_opens_at=-timedelta(days=10), registration_closes_at=timedelta(days=1))
    attendee = event_services.register(
        ended, name="Dewi", email="dewi@example.org", consent=True, source="staff"
    ).registration
    record_attendance(attendee, minutes=120, checked_in_at=now - timedelta(hours=2))
    survey = survey_for(ended)
    survey_text = SurveyQuestion.objects.create(
        survey=survey, label="Usul", kind=SurveyKind.SHORT_TEXT, position=0
    )
    Prize.objects.create(event=ended, name="Mug", quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        draw, _ = prize_services.run_draw(prize_services.prepare_draw(ended))
    winner = draw.winners.get()
    article = Article.objects.create(
        library=library,
        slug="kabar",
        title="Kabar",
        body="Isi",
        state=ArticleState.PUBLISHED,
        published_at=now - timedelta(hours=1),
    )
    channel = social_services.create_channel(
        library,
        network="telegram",
        name="Kanal",
        by=admin_user,
        credentials={"bot_token": "1:x", "chat_id": "@perpus"},
    )
    post = social_services.create_post(library, by=admin_user, title="Pos")
    social_services.add_variant(post, channel, by=admin_user, text="Halo")
    workflow.submit_for_review(post, by=admin_user)
    return {
        "library": library,
        "upcoming": upcoming,
        "question": question,
        "person": person,
        "live": live,
        "listener": listener,
        "ended": ended,
        "attendee": attendee,
        "survey_text": survey_text,
        "winner": winner,
        "article": article,
        "post": post,
        "channel": channel,
    }


def public_forms(site):
    """(name, a client ready to post, url, valid data, the text fields to spoil)."""
    upcoming, person, attendee = site["upcoming"], site["person"], site["attendee"]
    manage = f"/p/{person.public_id}/{person.manage_token}/"
    board = Client()
    listener = site["listener"]
    assert (
        board.get(
            f"/e/{site['live'].slug}/live/masuk/{listener.public_id}/{listener.manage_token}/"
        ).status_code
        == 302
    )
    news = Client()
    article = site["article"]
    news_base = f"/{site['library'].slug}/berita/{article.slug}/"
    news.post(news_base + "membantu", {"answer": "tidak"})
    review = workflow.review_url(site["post"]).split("testserver", 1)[-1]
    review_path = review[review.index("/review/") :]
    return [
        (
            "registration",
            Client(),
            f"/e/{upcoming.slug}/",
            {
                "name": "Siti Rahmawati",
                "email": "siti@example.org",
                "whatsapp": "0812-3456-7890",
                "institution": "Perpustakaan Kota",
                "category": str(upcoming.categories.first().pk),
                "consent": "on",
                "website": "",
                "ts": form_timestamp(time.time() - 10),
                question_field_name(site["question"]): "Pustakawan",
            },
            ["name", "institution", "whatsapp", question_field_name(site["question"])],
        ),
        ("personal page", Client(), manage, {"name": "Budi Santoso"}, ["name"]),
        (
            "check-in",
            Client(),
            f"/e/{site['live'].slug}/hadir/",
            {"code": "ABCD", "email": "ani@example.org"},
            ["code", "email"],
        ),
        ("personal check-in", Client(), f"{manage}hadir/", {"code": "ABCD"}, ["code"]),
        (
            "live question",
            board,
            f"/e/{site['live'].slug}/live/",
            {"action": "ask", "text": "Kapan?"},
            ["text"],
        ),
        (
            "survey",
            Client(),
            f"/survei/{attendee.public_id}/{attendee.manage_token}/",
            {"rating": "4", "comments": "Bagus", f"q_{site['survey_text'].pk}": "Lagi"},
            ["comments", f"q_{site['survey_text'].pk}"],
        ),
        (
            "prize claim",
            Client(),
            f"/klaim/{site['winner'].public_id}/{site['winner'].claim_token}/",
            {
                "recipient": "Dewi Sartika",
                "phone": "0812-3456-7890",
                "province": "DI Yogyakarta",
                "regency": "Kabupaten Sleman",
                "district": "Depok",
                "street": "Jl. Kaliurang Km 5",
                "postal_code": "55281",
            },
            ["recipient", "phone", "district", "street", "postal_code"],
        ),
        ("news helpful", Client(), news_base + "membantu", {"answer": "ya"}, ["answer"]),
        ("news comment", news, news_base + "komentar", {"comment": "Kurang jelas"}, ["comment"]),
        (
            "social review",
            Client(),
            review_path,
            {"name": "Kepala", "comment": "Oke", "decision": "changes"},
            ["name", "comment"],
        ),
    ]


def assert_refused_or_fine(response, where):
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.status_code >= 400 and response.status_code not in (403, 404, 410, 429):
        body = response.content.decode()
        assert "<h1>" in body or '"message"' in body or "error" in body, f"{where}: no message"


def stored_control_characters() -> list[str]:
    """Every stored text (columns and JSON) of the project's models that holds a control character."""
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("sapa."):
            continue
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*[f.attname for f in fields]):
            for field, value in zip(fields, row, strict=True):
                if CONTROL.search(str(value) if isinstance(value, dict | list) else (value or "")):
                    found.append(f"{model.__name__}.{field.name}: {value!r}")
    return found


def test_every_public_form_refuses_odd_text_with_a_message_and_stores_none(site):
    for name, client, url, good, fields in public_forms(site):
        for field in fields:
            for kind, value in TEXTS.items():
                response = client.post(url, {**good, field: value})
                assert_refused_or_fine(response, f"{name} {field} {kind}")
            # Not UTF-8 (the form body as raw bytes).
            body = (
                "&".join(f"{k}={v}" for k, v in good.items() if k != field) + f"&{field}={NOT_UTF8}"
            )
            response = client.post(url, body, content_type="application/x-www-form-urlencoded")
            assert_refused_or_fine(response, f"{name} {field} not-utf8")
            if response.status_code == 400:
                assert t(UNREADABLE) in response.content.decode()
        # The whole form in UTF-16: refused, with a message.
        # (The test client encodes the text in the charset the content type names.)
        encoded = "&".join(f"{k}={v}" for k, v in good.items())
        response = client.post(
            url, encoded, content_type="application/x-www-form-urlencoded; charset=utf-16"
        )
        assert response.status_code == 415, name
        assert "UTF-8" in response.content.decode()
        # An id or a day where text is expected does no harm either.
        for field in fields:
            for value in (HUGE, "0001-01-01", "9999-12-31"):
                assert_refused_or_fine(
                    client.post(url, {**good, field: value}), f"{name} {field} {value}"
                )
    assert stored_control_characters() == []


def test_a_control_character_is_refused_on_the_field_with_the_message(site):
    upcoming = site["upcoming"]
    name, client, url, good, _fields = public_forms(site)[0]
    response = client.post(url, {**good, "name": "Siti\x01Rahma"})
    assert response.status_code == 400 or response.status_code == 200
    assert t(CONTROL_MESSAGE) in response.content.decode()
    assert not upcoming.registrations.filter(email="siti@example.org").exists()
    # The same form without it is saved.
    assert client.post(url, good).status_code == 302
    assert upcoming.registrations.filter(email="siti@example.org").exists()


def test_a_nul_in_a_live_question_is_refused_and_not_stored(site):
    name, board, url, good, _fields = public_forms(site)[4]
    response = board.post(url, {**good, "text": "Kapan\x00mulai?"})
    assert response.status_code == 400
    response = board.post(url, {**good, "text": "Kapan\x07mulai?"})
    assert response.status_code == 400
    assert t(CONTROL_MESSAGE) in response.content.decode()
    from sapa.live.models import LiveQuestion

    assert not LiveQuestion.objects.exists()
    assert board.post(url, good).status_code in (201, 302)
    assert LiveQuestion.objects.count() == 1


def test_a_nul_in_a_search_or_a_path_is_refused(site, admin_client):
    library, event = site["library"], site["upcoming"]
    base = f"/staff/{library.slug}/events/{event.pk}/registrations/"
    response = admin_client.get(base + "?q=a%00b")
    assert response.status_code == 400
    assert t(UNREADABLE) in response.content.decode()
    assert admin_client.get(base + "?q=" + NOT_UTF8).status_code == 400
    assert Client().get("/p/00000000-0000-0000-0000-000000000000/a%00b/").status_code == 400
    assert admin_client.get(base + "?q=Budi").status_code == 200


def test_staff_filters_refuse_huge_ids_and_days_out_of_range(site, admin_client):
    library, event = site["library"], site["upcoming"]
    base = f"/staff/{library.slug}/events/{event.pk}/registrations/"
    for query in (
        f"category={HUGE}",
        "date_to=9999-12-31",
        "date_from=0001-01-01",
        "date_from=0001-01-01&date_to=9999-12-31",
    ):
        for url in (base + "?" + query, base + "export/?format=csv&" + query):
            response = admin_client.get(url)
            assert response.status_code in (200, 302, 400), (url, response.status_code)
    page = admin_client.get(base + "?date_to=9999-12-31").content.decode()
    assert (
        t("Pick a day between %(first)s and %(last)s.")
        % {"first": "1900-01-01", "last": "2999-12-31"}
        in page
    )
    social = f"/staff/{library.slug}/social/"
    for query in (
        f"channel={HUGE}",
        f"campaign={HUGE}",
        "date=0001-01-01",
        "date=9999-12-31",
        "view=week&date=0001-01-01",
        "view=list&date=9999-12-31",
    ):
        assert admin_client.get(social + "?" + query).status_code in (200, 400), query
    assert admin_client.get(
        f"/staff/{library.slug}/social/posts/new/?channel={HUGE}"
    ).status_code in (200, 400)
    assert (
        admin_client.get(f"/staff/{library.slug}/events/{HUGE}/registrations/").status_code == 404
    )
    assert Client().post(f"/e/{site['live'].slug}/live/vote/{HUGE}/").status_code < 500


def test_api_refuses_huge_ids_bad_days_and_control_characters_with_422(site, admin_user):
    from sapa.libraries.services import create_api_token

    raw = create_api_token(admin_user, name="uji")[1]
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    lib, event, channel = site["library"].slug, site["upcoming"].slug, site["channel"]
    posts = f"/api/v1/libraries/{lib}/social/posts"
    bodies = [
        {"title": "Pos", "variants": [{"channel": 2**64}]},
        {"title": "Pos", "variants": [{"channel": channel.pk, "media": [2**64]}]},
        {"title": "Pos", "campaign": 2**64},
        {"title": "Pos\x00"},
        {"title": "Pos", "variants": [{"channel": channel.pk, "text": "a\x01b"}]},
        {
            "title": "Pos",
            "variants": [{"channel": channel.pk, "scheduled_at": "0001-01-01T00:00:00Z"}],
        },
        {
            "title": "Pos",
            "variants": [{"channel": channel.pk, "scheduled_at": "9999-12-31T23:59:59Z"}],
        },
    ]
    for body in bodies:
        response = client.post(posts, body, content_type="application/json")
        assert response.status_code == 422, (body, response.content)
        assert response.json()["error"]["code"] == "invalid"
    post_id = site["post"].pk
    assert (
        client.patch(
            f"{posts}/{post_id}",
            {"variants": [{"channel": 2**64}]},
            content_type="application/json",
        ).status_code
        == 422
    )
    assert client.get(f"{posts}/{2**64}").status_code == 422
    assert client.get(f"/api/v1/libraries/{lib}/social/channels/{2**64}").status_code == 422
    for query in (
        "start=0001-01-01&end=0001-01-31",
        "start=9999-12-01&end=9999-12-31",
        f"start=2026-01-01&end=2026-01-31&channel={2**64}",
    ):
        response = client.get(f"/api/v1/libraries/{lib}/social/calendar?{query}")
        assert response.status_code == 422, query
    regs = f"/api/v1/libraries/{lib}/events/{event}/registrations"
    for query in (f"category={2**64}", "date_to=9999-12-31", "date_from=0001-01-01", "q=a%01b"):
        for url in (f"{regs}?{query}", f"{regs}/export?{query}"):
            response = client.get(url)
            assert response.status_code == 422, url
            assert response.json()["error"]["details"]
    response = client.get(f"{regs}?q=a%00b")
    assert response.status_code == 400 and response.json()["error"]["code"] == "unreadable"
    response = client.post(
        posts, '{"title": "Pos"}', content_type="application/json; charset=utf-16"
    )
    assert response.status_code == 415 and response.json()["error"]["code"] == "unsupported_charset"
    body = {
        "name": "Siti\x01",
        "email": "s@example.org",
        "consent": True,
        "category": 2**64,
        "answers": {str(site["question"].pk): "a\x00"},
    }
    response = client.post(
        f"/api/v1/events/{event}/registrations", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert stored_control_characters() == []


def test_rows_stored_before_the_refusal_export_without_control_characters(site, admin_client):
    event, person = site["upcoming"], site["person"]
    type(person).objects.filter(pk=person.pk).update(
        name="Budi\x01\x02Santoso", institution="Perpus\x1b[31m"
    )
    base = f"/staff/{site['library'].slug}/events/{event.pk}/registrations/export/?format="
    csv_text = b"".join(admin_client.get(base + "csv").streaming_content).decode("utf-8-sig")
    assert "BudiSantoso" in csv_text and "Perpus[31m" in csv_text
    assert not CONTROL.search(csv_text)
    xlsx = admin_client.get(base + "xlsx")
    assert xlsx.status_code == 200
    import io
    import zipfile

    content = b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        sheet = (
            book.read("xl/sharedStrings.xml").decode()
            if "xl/sharedStrings.xml" in book.namelist()
            else ""
        )
        sheet += book.read("xl/worksheets/sheet1.xml").decode()
    assert "BudiSantoso" in sheet and not CONTROL.search(sheet)
