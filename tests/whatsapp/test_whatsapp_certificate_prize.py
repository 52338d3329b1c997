"""The notices of other apps on WhatsApp: a certificate ready, a prize won. Through the real
certificate generation and prize draw, to the Cloud API's HTTP boundary (a local fake)."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from factories import make_event, make_registration
from fakeapi import error

from sapa.attendance.services import record_attendance
from sapa.certificates import services as certificates
from sapa.certificates import tasks as certificate_tasks
from sapa.certificates.models import Certificate
from sapa.mail.models import Email
from sapa.prizes import services as prizes
from sapa.prizes.models import Prize, Winner
from sapa.whatsapp import sending, services, tasks
from sapa.whatsapp.models import Message, State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def event(library):
    return make_event(library, slug="ss-medsos", starts_at=-timedelta(hours=3), categories=False)


def attendee(event, name, email, *, opted_in=True, language="id", whatsapp="+6281234567890"):
    registration = make_registration(event, name, email, language=language, whatsapp=whatsapp)
    record_attendance(registration, minutes=120, checked_in_at=event.starts_at)
    if opted_in:
        services.give_consent(registration, new_registration=False)
    return registration


def template_sends(api):
    return [body["template"] for _m, _p, _h, body in api.sends]


def params(template):
    return [p["text"] for p in template["components"][0]["parameters"]]


def generate(event, capture):
    design = certificates.create_design(event, name="Sertifikat")
    with capture(execute=True):
        certificates.start_generation(design)
    return design


def test_a_certificate_ready_sends_one_template_with_the_download_link(
    library, account, api, event, django_capture_on_commit_callbacks
):
    siti = attendee(event, "Siti Rahmawati", "siti@example.org")
    attendee(event, "Budi Santoso", "budi@example.org", opted_in=False, whatsapp="+6281200000000")
    design = generate(event, django_capture_on_commit_callbacks)

    [template] = template_sends(api)  # Budi did not opt in: only Siti's message
    assert template["name"] == "sapa_sertifikat_siap" and template["language"] == {"code": "id"}
    certificate = Certificate.objects.get(registration=siti)
    assert params(template) == [
        "Siti Rahmawati",
        event.title,
        certificates.download_url(certificate),
    ]
    assert api.sends[0][3]["to"] == "6281234567890"
    assert Message.objects.get().state == State.ACCEPTED
    assert Email.objects.filter(dedupe_key__startswith="certificate:").count() == 2

    # A second generation finds nobody new: nothing more on WhatsApp either.
    with django_capture_on_commit_callbacks(execute=True):
        certificates.start_generation(design)
    assert len(api.sends) == 1 and Message.objects.count() == 1


def test_a_certificate_revoked_before_its_message_went_is_not_sent(
    library, account, api, event, django_capture_on_commit_callbacks
):
    from huey.contrib.djhuey import HUEY

    siti = attendee(event, "Siti Rahmawati", "siti@example.org")
    HUEY.immediate = False  # the WhatsApp job waits; the generation is run by hand
    design = certificates.create_design(event, name="Sertifikat")
    with django_capture_on_commit_callbacks(execute=False):
        generation = certificates.start_generation(design)
    certificate_tasks.run_generation(generation.pk)
    HUEY.immediate = True
    message = Message.objects.get(kind="certificate_ready")
    certificates.revoke(Certificate.objects.get(registration=siti), reason="Salah nama")

    assert tasks.deliver(message.pk) == State.DROPPED
    assert api.sends == []
    message.refresh_from_db()
    assert message.last_error == "no longer needed"


def test_a_prize_winner_gets_the_prize_and_claim_link_in_their_language(
    library, account, api, event, django_capture_on_commit_callbacks
):
    ayu = attendee(event, "Ayu Lestari", "ayu@example.org", language="en")
    Prize.objects.create(event=event, name="Tumbler Perpustakaan", quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        prizes.run_draw(prizes.prepare_draw(event))

    [template] = template_sends(api)
    winner = Winner.objects.get()
    assert winner.registration == ayu
    assert template["name"] == "sapa_hadiah_menang" and template["language"] == {"code": "en"}
    assert params(template) == [
        "Ayu Lestari",
        event.title,
        "Tumbler Perpustakaan",
        prizes.claim_url(winner),
    ]
    assert Message.objects.get().state == State.ACCEPTED


def test_a_winner_who_did_not_opt_in_gets_no_whatsapp_only_the_email(
    library, account, api, event, django_capture_on_commit_callbacks
):
    attendee(event, "Budi Santoso", "budi@example.org", opted_in=False)
    Prize.objects.create(event=event, name="Mug", quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        prizes.run_draw(prizes.prepare_draw(event))
    assert api.sends == [] and not Message.objects.exists()
    assert Email.objects.filter(dedupe_key__startswith="prize-winner:").count() == 1


def test_a_refused_prize_message_falls_back_without_a_second_email(
    library, account, api, event, django_capture_on_commit_callbacks
):
    api.script.append((400, error(131026, "Message undeliverable", type_="OAuthException")))
    attendee(event, "Ayu Lestari", "ayu@example.org")
    Prize.objects.create(event=event, name="Mug", quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        prizes.run_draw(prizes.prepare_draw(event))
    message = Message.objects.get()
    assert message.state == State.FAILED and message.fell_back_to_email
    # The winner's email was queued with the draw; the fallback adds none.
    assert Email.objects.count() == 1


def test_the_template_list_and_the_check_include_the_new_templates(
    client, library, admin_user, account, api
):
    client.force_login(admin_user)
    html = client.get("/staff/perpus-a/whatsapp/").content.decode()
    assert "sapa_sertifikat_siap" in html and "sapa_hadiah_menang" in html
    assert "Unduh di sini: {{3}}" in html and "Claim your prize here: {{4}}" in html
    # Each body's variables are named under it, in the staff's language.
    assert "{{3}} tautan unduh sertifikat" in html and "{{3}} hadiahnya, {{4}} tautan klaim" in html
    assert "{{3}} waktu mulainya, {{4}} tautannya" in html

    api.templates = [
        {"name": name, "language": language, "status": "APPROVED"}
        for name in services.TEMPLATES
        for language in sending.LANGUAGES
        if name != "sapa_hadiah_menang"
    ]
    out = io.StringIO()
    with pytest.raises(Exception, match="template problems"):
        call_command("whatsapp_check", stdout=out)
    assert "sapa_hadiah_menang (id): MISSING" in out.getvalue()
    api.templates.append({"name": "sapa_hadiah_menang", "language": "id", "status": "APPROVED"})
    api.templates.append({"name": "sapa_hadiah_menang", "language": "en", "status": "APPROVED"})
    out = io.StringIO()
    call_command("whatsapp_check", stdout=out)
    assert "all 14 templates approved" in out.getvalue()
