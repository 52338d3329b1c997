"""A participant who scans the presenter screen's QR code (no personal-link cookie on that
phone) signs in on the board with the email they registered with, and can ask at once."""

from django.test import Client
from django.urls import reverse

from sapa.events.models import RegistrationStatus
from sapa.live.models import LiveQuestion


def board(event):
    return reverse("live-board", args=[event.slug])


def identify(client, event, email, ip="36.68.1.1"):
    return client.post(reverse("live-identify", args=[event.slug]), {"email": email}, REMOTE_ADDR=ip)


def test_visitor_signs_in_with_the_registered_email_and_asks(event, make_registration):
    siti = make_registration("Siti Rahmawati", email="siti@contoh.id")
    client = Client()
    page = client.get(board(event)).content.decode()
    assert 'name="email"' in page and reverse("live-identify", args=[event.slug]) in page
    response = identify(client, event, "  Siti@Contoh.ID ")
    assert response.status_code == 302 and response["Location"] == board(event)
    page = client.get(board(event)).content.decode()
    assert 'name="text"' in page and "Siti" in page
    assert client.post(board(event), {"text": "Bagaimana mengukur engagement?"}).status_code == 302
    question = LiveQuestion.objects.get()
    assert question.registration == siti


def test_unknown_or_cancelled_email_is_refused_keeping_what_was_typed(event, make_registration, other_event):
    make_registration("Budi Santoso", email="budi@contoh.id", status=RegistrationStatus.CANCELLED)
    make_registration("Rina Wulandari", email="rina@contoh.id", target=other_event)
    client = Client()
    for email in ("budi@contoh.id", "rina@contoh.id", "tidak.ada@contoh.id"):
        response = identify(client, event, email)
        assert response.status_code == 400
        html = response.content.decode()
        assert f'value="{email}"' in html and 'role="alert"' in html
        assert 'name="text"' not in html
    assert client.post(board(event), {"text": "Halo"}).status_code == 403
    assert not LiveQuestion.objects.exists()


def test_guessing_emails_is_slowed(event, make_registration):
    make_registration("Siti Rahmawati", email="siti@contoh.id")
    client = Client()
    codes = [identify(client, event, f"tebak{n}@contoh.id").status_code for n in range(61)]
    assert codes[:60] == [400] * 60 and codes[60] == 429
    # One email tried from many addresses is slowed too.
    codes = [identify(Client(), event, "siti@contoh.id", ip=f"10.1.0.{n}").status_code for n in range(6)]
    assert codes[:5] == [302] * 5 and codes[5] == 429
