"""The winner's email (real SMTP, once, in their language), the claim form with bad input,
variants and their stock, shipping states, the shipping list export, the participant's page."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from prize_helpers import (  # noqa: F401
    add_prize,
    attend,
    ended_event_fixture,
    register,
    t,
    text_of,
)

from sapa.mail.models import Email
from sapa.mail.tasks import sweep
from sapa.prizes import services
from sapa.prizes.models import PrizeVariant, Winner, WinnerState

pytestmark = pytest.mark.django_db

GOOD = {"recipient": "Dewi Sartika", "phone": "0812-3456-7890", "province": "DI Yogyakarta",
        "regency": "Kabupaten Sleman", "district": "Depok", "street": "Jl. Kaliurang Km 5 No. 12, RT 03/RW 02",
        "postal_code": "55281"}


@pytest.fixture
def won(ended_event, django_capture_on_commit_callbacks):
    people = register(ended_event, 3)
    people[1].language = "en"
    people[1].save()
    attend(people)
    add_prize(ended_event, "Kaos", variants=[("S", 1), ("M", 1)])
    add_prize(ended_event, "Mug", 1, position=1)
    with django_capture_on_commit_callbacks(execute=True):
        draw, _ = services.run_draw(services.prepare_draw(ended_event))
    return draw


def _claim_path(winner):
    return f"/klaim/{winner.public_id}/{winner.claim_token}/"


def test_winners_get_one_email_each_through_smtp_in_their_language(ended_event, smtp_server,
                                                                   django_capture_on_commit_callbacks):
    people = register(ended_event, 2)
    people[1].language = "en"
    people[1].save()
    attend(people)
    add_prize(ended_event, "Mug", 2)
    with django_capture_on_commit_callbacks(execute=True):
        draw, _ = services.run_draw(services.prepare_draw(ended_event))
    assert len(smtp_server.messages) == 2
    by_to = {m["To"]: m for m in smtp_server.messages}
    for winner in draw.winners.select_related("registration"):
        message = by_to[winner.registration.email]
        body = text_of(message)
        assert services.claim_url(winner) in body
        assert services.public_url(draw) in body
        if winner.registration.language == "en":
            assert message["Subject"].startswith("You won a door prize")
        else:
            assert message["Subject"].startswith("Anda memenangkan")
    # Run the draw again, sweep the outbox: nothing goes twice.
    with django_capture_on_commit_callbacks(execute=True):
        services.run_draw(draw)
        for winner in draw.winners.all():
            services._queue_winner_mail(winner, ended_event.library_id)
    sweep(now=timezone.now() + timedelta(minutes=5))  # also sends the registrations' confirmations
    prize_mails = [m for m in smtp_server.messages
                   if m["Subject"].startswith(("You won a door prize", "Anda memenangkan"))]
    assert len(prize_mails) == 2
    assert Email.objects.filter(dedupe_key__startswith="prize-winner:").count() == 2


def test_claim_with_a_variant(won, client):
    winner = won.winners.get(prize__name="Kaos", position=1)
    page = client.get(_claim_path(winner)).content.decode()
    assert "Kaos" in page and 'name="variant"' in page
    medium = PrizeVariant.objects.get(name="M")
    response = client.post(_claim_path(winner), {**GOOD, "variant": str(medium.pk)})
    assert response.status_code == 302
    winner.refresh_from_db()
    assert winner.state == WinnerState.CLAIMED and winner.variant == medium
    assert winner.phone == "+6281234567890" and winner.district == "Depok" and winner.postal_code == "55281"
    # The other Kaos winner cannot take M any more.
    other = won.winners.get(prize__name="Kaos", position=2)
    response = client.post(_claim_path(other), {**GOOD, "variant": str(medium.pk)})
    assert response.status_code == 400
    assert t("That option is no longer available. Choose another one.") in response.content.decode()
    other.refresh_from_db()
    assert other.state == WinnerState.NOTIFIED and other.variant is None
    # A claimed link shows where the parcel is, and refuses a second claim.
    again = client.post(_claim_path(winner), {**GOOD, "variant": str(medium.pk), "district": "Lain"})
    assert again.status_code == 409
    winner.refresh_from_db()
    assert winner.district == "Depok"


@pytest.mark.parametrize("field, value, message", [
    ("phone", "12345", "This is not a valid phone number. Use e.g. 0812 3456 7890."),
    ("phone", "", "Enter a phone number, e.g. 0812 3456 7890."),
    ("district", "", "Enter the district (kecamatan)."),
    ("postal_code", "5528", "A postal code has 5 digits, e.g. 55281."),
    ("province", "Atlantis", "Choose a province from the list."),
    ("street", "", "Enter the street address."),
])
def test_bad_input_gets_a_clear_message_and_stores_nothing(won, client, field, value, message):
    winner = won.winners.get(prize__name="Mug")
    response = client.post(_claim_path(winner), {**GOOD, field: value})
    assert response.status_code == 400
    assert t(message) in response.content.decode()
    winner.refresh_from_db()
    assert winner.state == WinnerState.NOTIFIED
    assert (winner.recipient, winner.phone, winner.district, winner.street, winner.claimed_at) == \
        ("", "", "", "", None)


@pytest.mark.parametrize("raw", ["0812 3456 7890", "+62 812-3456-7890", "6281234567890", "812 3456 7890"])
def test_indonesian_phone_formats_become_e164(won, client, raw):
    winner = won.winners.get(prize__name="Mug")
    assert client.post(_claim_path(winner), {**GOOD, "phone": raw}).status_code == 302
    winner.refresh_from_db()
    assert winner.phone == "+6281234567890"


def test_a_variant_is_required_when_the_prize_has_variants(won, client):
    winner = won.winners.filter(prize__name="Kaos").first()
    response = client.post(_claim_path(winner), GOOD)
    assert response.status_code == 400
    assert t("Choose one of the options.") in response.content.decode()


def test_a_wrong_token_is_404_and_a_late_claim_is_refused(won, client):
    winner = won.winners.get(prize__name="Mug")
    assert client.get(f"/klaim/{winner.public_id}/{winner.claim_token[:-1]}x/").status_code == 404
    Winner.objects.filter(pk=winner.pk).update(claim_deadline=timezone.now() - timedelta(seconds=1))
    response = client.post(_claim_path(winner), GOOD)
    assert response.status_code == 409
    assert t("The time to claim this prize has passed.") in response.content.decode()
    winner.refresh_from_db()
    assert winner.state == WinnerState.NOTIFIED and winner.recipient == ""


def test_shipping_states_and_the_shipping_list(won, client, admin_client, library, ended_event):
    winner = won.winners.get(prize__name="Mug")
    client.post(_claim_path(winner), GOOD)
    base = f"/staff/{library.slug}/events/{ended_event.pk}/prizes/winners/"
    # Delivered before shipped: refused.
    response = admin_client.post(f"{base}{winner.pk}/delivered/", follow=True)
    assert t("Only a shipped prize can be delivered.") in response.content.decode()
    response = admin_client.post(f"{base}{winner.pk}/ship/", {"courier": "JNE", "tracking_number": ""}, follow=True)
    assert t("Enter the courier and the tracking number.") in response.content.decode()
    winner.refresh_from_db()
    assert winner.state == WinnerState.CLAIMED
    admin_client.post(f"{base}{winner.pk}/ship/", {"courier": "JNE", "tracking_number": "JN0012345678"})
    winner.refresh_from_db()
    assert winner.state == WinnerState.SHIPPED and winner.tracking_number == "JN0012345678"
    admin_client.post(f"{base}{winner.pk}/delivered/")
    winner.refresh_from_db()
    assert winner.state == WinnerState.DELIVERED and winner.delivered_at
    assert "JN0012345678" in client.get(_claim_path(winner)).content.decode()

    exported = admin_client.get(f"{base}export/?format=csv")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + won.winners.count()
    mug = next(r for r in rows if r[2] == "Mug")
    assert "+6281234567890" in mug and "Depok" in mug and "55281" in mug and "JN0012345678" in mug
    xlsx = admin_client.get(f"{base}export/?format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == len(rows) and any("Depok" in row for row in values)
    assert admin_client.get(f"{base}export/?format=pdf").status_code == 404


def test_participant_page_shows_the_prize_and_the_claim_link(won, client):
    winner = won.winners.get(prize__name="Mug")
    registration = winner.registration
    page = client.get(f"/p/{registration.public_id}/{registration.manage_token}/").content.decode()
    assert services.claim_url(winner).replace("http://testserver", "") in page or \
        _claim_path(winner) in page
    loser = next(e for e in won.entry_rows.all() if not Winner.objects.filter(registration=e.registration).exists()) \
        if won.entry_rows.count() > won.winners.count() else None
    if loser is not None:
        reg = loser.registration
        page = client.get(f"/p/{reg.public_id}/{reg.manage_token}/").content.decode()
        assert loser.entry in page


def test_winners_for_report_contract(won):
    report = services.winners_for_report(won.event)
    assert [r["prize"] for r in report] == ["Kaos", "Kaos", "Mug"]
    first = won.winners.get(position=1).registration.name.split()[0]
    assert report[0]["first_name"] == first
    assert set(report[0]) == {"first_name", "prize"}


def test_claim_token_is_not_in_the_public_data(won, client):
    body = client.get(f"/undian/{won.public_id}/data.json").content.decode()
    for winner in won.winners.all():
        assert winner.claim_token not in body
        assert not re.search(winner.registration.email, body)


def test_erasing_the_winners_data_drops_the_shipping_address(won, client):
    """UU 27/2022: "erase my data" on the personal page also erases what the claim asked."""
    from sapa.events import services as event_services

    winner = won.winners.get(prize__name="Mug")
    assert client.post(_claim_path(winner), GOOD).status_code == 302
    event_services.delete_my_data(winner.registration)
    winner.refresh_from_db()
    assert (winner.recipient, winner.phone, winner.street, winner.district, winner.postal_code) == ("",) * 5
    assert winner.state == WinnerState.CLAIMED and winner.prize.name == "Mug"  # the counts stay


def test_the_participants_data_export_holds_the_claim_and_attendance(won, client):
    """UU 27/2022: the personal page's export carries what every app keeps about the person."""
    winner = won.winners.get(prize__name="Mug")
    assert client.post(_claim_path(winner), GOOD).status_code == 302
    registration = winner.registration
    response = client.post(f"/p/{registration.public_id}/{registration.manage_token}/data.json")
    assert response.status_code == 200
    data = response.json()
    assert data["door_prizes"][0]["prize"] == "Mug"
    assert data["door_prizes"][0]["district"] == "Depok"
    assert data["attendance"]["attended"] is True and data["attendance"]["minutes"] == 120
