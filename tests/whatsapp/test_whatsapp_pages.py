"""What people see: the opt-in on the form, the opt-out on the personal page, the library's
settings (encrypted, test connection, the template list), an event's click-to-chat page and CSV,
and the template check."""

# ruff: noqa: F811 - pytest fixtures imported from public_helpers

import csv
import io
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from factories import make_member
from public_helpers import _public_settings, form_data  # noqa: F401
from wa_helpers import make_event, opted_in

from sapa.events.models import Registration
from sapa.events.services import manage_url
from sapa.libraries.models import Role
from sapa.whatsapp import services
from sapa.whatsapp.models import Account, Consent, Message

pytestmark = pytest.mark.django_db


def approved_templates(api):
    api.templates = [{"name": name, "language": lang, "status": "APPROVED", "id": str(i)}
                     for i, name in enumerate(services.TEMPLATES) for lang in ("id", "en")]


# --- The opt-in ------------------------------------------------------------------------------------

def test_form_shows_an_unticked_whatsapp_optin(client, library):
    event = make_event(library)
    html = client.get(f"/e/{event.slug}/").content.decode()
    assert 'name="whatsapp_optin"' in html
    tag = html[html.index('name="whatsapp_optin"') - 200: html.index('name="whatsapp_optin"') + 100]
    assert "checked" not in tag
    assert "Kirim pengingat lewat WhatsApp" in html


def test_ticked_optin_is_stored_with_its_text_and_queues_a_message(client, library, account):
    event = make_event(library)
    with_optin = client.post(f"/e/{event.slug}/", form_data(event, whatsapp_optin="on"))
    assert with_optin.status_code == 302
    registration = Registration.objects.get()
    consent = Consent.objects.get(registration=registration)
    assert consent.text == "Kirim pengingat lewat WhatsApp"
    assert consent.text_version == services.consent_text_version(consent.text)
    assert Message.objects.filter(public_id=str(registration.public_id)).count() == 1

    client.post(f"/e/{event.slug}/", form_data(event, email="budi@example.org"))
    budi = Registration.objects.get(email="budi@example.org")
    assert not Consent.objects.filter(registration=budi).exists()
    assert not Message.objects.filter(public_id=str(budi.public_id)).exists()


def test_personal_page_opt_out(client, library, account):
    registration = opted_in(make_event(library))
    page = client.get(manage_url(registration).removeprefix("https://sapa.example.id"))
    assert "Berhenti menerima pesan WhatsApp" in page.content.decode() or "Stop WhatsApp" in page.content.decode()
    stop = client.post(f"/p/{registration.public_id}/{registration.manage_token}/whatsapp/stop/")
    assert stop.status_code == 302
    consent = Consent.objects.get(registration=registration)
    assert consent.withdrawn_at is not None and consent.withdrawn_by == "participant"
    assert Message.objects.get().state == "dropped"
    # A wrong token: 404, nothing changed.
    other = opted_in(make_event(library, slug="kelas-menulis"), email="b@example.org")
    assert client.post(f"/p/{other.public_id}/wrong-token/whatsapp/stop/").status_code == 404
    assert Consent.objects.get(registration=other).withdrawn_at is None


# --- Settings --------------------------------------------------------------------------------------

def test_admin_saves_encrypted_settings_and_tests_the_connection(client, library, admin_user, api, settings):
    settings.SAPA_WHATSAPP_API_URL = api.url
    approved_templates(api)
    client.force_login(admin_user)
    page = client.get("/staff/perpus-a/whatsapp/")
    assert page.status_code == 200
    for name in services.TEMPLATES:
        assert name in page.content.decode()
    bad = client.post("/staff/perpus-a/whatsapp/", {"phone_number_id": "abc", "business_account_id": "22000",
                                                     "daily_budget": "10", "is_active": "on"})
    assert bad.status_code == 400 and not Account.objects.exists()
    saved = client.post("/staff/perpus-a/whatsapp/", {
        "phone_number_id": "1100000000", "business_account_id": "2200000000", "access_token": "EAAG-secret",
        "app_secret": "s3cret", "daily_budget": "500", "is_active": "on"})
    assert saved.status_code == 302
    account = Account.objects.get(library=library)
    assert "EAAG-secret" not in account.credentials_encrypted
    assert account.credentials() == {"access_token": "EAAG-secret", "app_secret": "s3cret"}
    # Saving again without secrets keeps them.
    client.post("/staff/perpus-a/whatsapp/", {"phone_number_id": "1100000000",
                                              "business_account_id": "2200000000", "daily_budget": "20"})
    account.refresh_from_db()
    assert account.credentials()["access_token"] == "EAAG-secret" and account.daily_budget == 20

    tested = client.post("/staff/perpus-a/whatsapp/test/", follow=True)
    assert "Perpustakaan A" in tested.content.decode()
    paths = [r[1].split("?")[0] for r in api.requests]
    assert paths == ["/v21.0/1100000000", "/v21.0/2200000000/message_templates"]
    assert all(r[2]["Authorization"] == "Bearer EAAG-secret" for r in api.requests)
    account.refresh_from_db()
    assert set(account.template_status.values()) == {"APPROVED"}


def test_refused_token_is_told_to_the_admin(client, library, admin_user, account, api):
    from fakeapi import error

    api.script.append((401, error(190, "Error validating access token")))
    client.force_login(admin_user)
    page = client.post("/staff/perpus-a/whatsapp/test/", follow=True).content.decode()
    assert "190" in page


def test_staff_below_admin_and_strangers_get_404(client, library, make_user, other_library, account):
    client.force_login(make_member(library, Role.STAFF, "staff@example.org"))
    assert client.get("/staff/perpus-a/whatsapp/").status_code == 404
    event = make_event(library)
    assert client.get(f"/staff/perpus-a/events/{event.pk}/whatsapp/").status_code == 200
    other_event = make_event(other_library, slug="lain")
    assert client.get(f"/staff/perpus-a/events/{other_event.pk}/whatsapp/").status_code == 404


def test_check_command_reports_missing_templates(library, account, api):
    api.templates = [{"name": "sapa_daftar_tunggu", "language": "id", "status": "PENDING"}]
    with pytest.raises(CommandError):
        call_command("whatsapp_check", stdout=io.StringIO())
    account.refresh_from_db()
    assert account.template_status["sapa_daftar_tunggu:id"] == "PENDING"
    assert account.template_status["sapa_tautan_acara:en"] == "MISSING"
    approved_templates(api)
    out = io.StringIO()
    call_command("whatsapp_check", stdout=out)
    assert "approved" in out.getvalue()


# --- By hand ---------------------------------------------------------------------------------------

def test_click_to_chat_links_and_csv_without_the_api(client, library, admin_user):
    event = make_event(library)
    registration = opted_in(event)
    opted_in(event, email="x@example.org", whatsapp="+6281299999999")
    services.withdraw_consent(Registration.objects.get(email="x@example.org"))
    client.force_login(admin_user)
    html = client.get(f"/staff/perpus-a/events/{event.pk}/whatsapp/?kind=reminder_day").content.decode()
    start = html.index("https://wa.me/6281234567890?text=")
    link = html[start: html.index('"', start)]
    text = unquote(link.split("text=", 1)[1].replace("&amp;", "&"))
    assert text.startswith("Halo Siti Rahmawati, Sharing Session Media Sosial dimulai")
    assert text.endswith(event.meeting_url)
    assert "6281299999999" not in html  # withdrew: not listed

    response = client.get(f"/staff/perpus-a/events/{event.pk}/whatsapp/broadcast.csv?kind=confirmed")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["name", "phone", "message"]
    assert rows[1][:2] == ["Siti Rahmawati", "+6281234567890"] and manage_url(registration) in rows[1][2]
    assert len(rows) == 2


def test_editor_sends_an_uncertain_message_again(client, library, admin_user, make_user, account, api):
    event = make_event(library)
    opted_in(event)
    message = Message.objects.get()
    Message.objects.filter(pk=message.pk).update(state="uncertain", event=event, to="+6281234567890")
    client.force_login(admin_user)
    page = client.get(f"/staff/perpus-a/events/{event.pk}/whatsapp/").content.decode()
    assert f"/whatsapp/{message.pk}/retry/" in page
    client.force_login(make_member(library, Role.STAFF, "s@example.org"))
    assert client.post(f"/staff/perpus-a/events/{event.pk}/whatsapp/{message.pk}/retry/").status_code == 404
    client.force_login(admin_user)
    assert client.post(f"/staff/perpus-a/events/{event.pk}/whatsapp/{message.pk}/retry/").status_code == 302
    message.refresh_from_db()
    assert message.state == "queued" and message.attempts == 0
    # An accepted message cannot be sent again.
    Message.objects.filter(pk=message.pk).update(state="accepted")
    assert client.post(f"/staff/perpus-a/events/{event.pk}/whatsapp/{message.pk}/retry/").status_code == 404


def test_api_registration_with_the_optin(client, library, account):
    from public_helpers import api_body

    event = make_event(library)
    response = client.post(f"/api/v1/events/{event.slug}/registrations",
                           data=api_body(event, whatsapp_optin=True), content_type="application/json")
    assert response.status_code == 202
    registration = Registration.objects.get(email="budi@example.org")
    assert Consent.objects.get(registration=registration).text_version
    without = client.post(f"/api/v1/events/{event.slug}/registrations",
                          data=api_body(event, email="c@example.org"), content_type="application/json")
    assert without.status_code == 202
    assert not Consent.objects.filter(registration__email="c@example.org").exists()
