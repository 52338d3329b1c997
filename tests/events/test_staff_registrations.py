"""Staff work on registrations: the table, search, filters, counts, edit, cancel, promote, add."""

from datetime import timedelta

import pytest
from django.utils import timezone
from staff_helpers import add, event_fixture, member, other_event_fixture, statuses, t  # noqa: F401

from sapa.events.forms import question_field_name
from sapa.events.models import (
    Question,
    QuestionKind,
    Registration,
    RegistrationSource,
    RegistrationStatus,
)
from sapa.libraries.models import AuditEntry, Role
from sapa.mail.models import Email

pytestmark = pytest.mark.django_db


def regs_url(event, sub=""):
    return f"/staff/{event.library.slug}/events/{event.pk}/registrations/{sub}"


def rows(response):
    return list(response.context["page"])


# --- the table ------------------------------------------------------------------------------


def test_table_counts_by_status_and_category(admin_client, event):
    guru, pustakawan = event.categories.get(name="Guru"), event.categories.get(name="Pustakawan")
    add(event, 2, category=guru)
    add(event, 2, start=10, category=pustakawan)  # 3 seats: the 4th waits
    Registration.objects.filter(email="p0@example.org").update(status=RegistrationStatus.CANCELLED)
    response = admin_client.get(regs_url(event))
    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts["confirmed"], counts["waitlisted"], counts["cancelled"]) == (2, 1, 1)
    assert counts["seats_left"] == 1
    by_name = {c.name: c for c in counts["categories"]}
    assert (by_name["Guru"].confirmed, by_name["Guru"].waitlisted) == (1, 0)
    assert (by_name["Pustakawan"].confirmed, by_name["Pustakawan"].waitlisted) == (1, 1)
    assert len(rows(response)) == 4


@pytest.mark.parametrize("query, expected", [
    ("q=siti", {"p0@example.org"}),
    ("q=P1%40EXAMPLE", {"p1@example.org"}),
    ("q=Perpusnas", {"p2@example.org"}),
    ("q=0812-0000-0003", {"p3@example.org"}),
    ("status=waitlisted", {"p3@example.org"}),
    ("status=active", {"p0@example.org", "p1@example.org", "p2@example.org", "p3@example.org"}),
    ("status=cancelled", {"p4@example.org"}),
])
def test_search_and_status_filter(admin_client, event, query, expected):
    add(event, 1, name="Siti Aminah")
    add(event, 1, start=1)
    add(event, 1, start=2, institution="Perpusnas RI")
    add(event, 2, start=3)
    Registration.objects.filter(email="p4@example.org").update(status=RegistrationStatus.CANCELLED)
    response = admin_client.get(f"{regs_url(event)}?{query}")
    assert {r.email for r in rows(response)} == expected


def test_category_and_date_filters(admin_client, event):
    guru = event.categories.get(name="Guru")
    add(event, 1, category=guru)
    add(event, 2, start=1)
    # Registered on 1 January (Jakarta time) and on 10 January.
    jan1 = timezone.datetime(2030, 1, 1, 23, 30, tzinfo=timezone.get_fixed_timezone(7 * 60))
    Registration.objects.filter(email="p1@example.org").update(created_at=jan1)
    Registration.objects.filter(email="p2@example.org").update(created_at=jan1 + timedelta(days=9))
    response = admin_client.get(f"{regs_url(event)}?category={guru.pk}")
    assert {r.email for r in rows(response)} == {"p0@example.org"}
    response = admin_client.get(f"{regs_url(event)}?category=0")
    assert {r.email for r in rows(response)} == {"p1@example.org", "p2@example.org"}
    response = admin_client.get(f"{regs_url(event)}?date_from=2030-01-01&date_to=2030-01-01")
    assert {r.email for r in rows(response)} == {"p1@example.org"}
    response = admin_client.get(f"{regs_url(event)}?date_from=2030-01-02&date_to=2030-01-31")
    assert {r.email for r in rows(response)} == {"p2@example.org"}


def test_pagination(admin_client, event):
    event.capacity = 100
    event.save()
    add(event, 55)
    first = admin_client.get(regs_url(event))
    assert len(rows(first)) == 50
    second = admin_client.get(f"{regs_url(event)}?page=2")
    assert len(rows(second)) == 5


# --- promote, cancel -----------------------------------------------------------------------


def test_promote_when_full_says_so(admin_client, event):
    add(event, 4)
    waiting = event.registrations.get(status=RegistrationStatus.WAITLISTED)
    response = admin_client.post(regs_url(event, f"{waiting.pk}/promote/"), follow=True)
    assert t("All seats are taken. Raise the number of seats first.") in \
        [str(m) for m in response.context["messages"]]
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.WAITLISTED


def test_promote_out_of_turn_when_a_seat_is_free(admin_client, event, django_capture_on_commit_callbacks):
    add(event, 5)  # 3 confirmed, p3 and p4 waiting
    # A seat frees without the automatic promotion (e.g. the event's start passed it by).
    Registration.objects.filter(email="p0@example.org").update(status=RegistrationStatus.CANCELLED)
    second = event.registrations.get(email="p4@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(regs_url(event, f"{second.pk}/promote/"), {"query": "status=waitlisted"})
    assert response["Location"].endswith("registrations/?status=waitlisted")
    second.refresh_from_db()
    assert second.status == RegistrationStatus.CONFIRMED
    assert AuditEntry.objects.filter(action="registration.promoted").exists()
    assert any("p4@example.org" in e.to for e in Email.objects.all())


def test_cancel_asks_then_frees_the_seat_for_the_next(admin_client, event, django_capture_on_commit_callbacks):
    add(event, 4)
    first = event.registrations.get(email="p0@example.org")
    assert admin_client.get(regs_url(event, f"{first.pk}/cancel/")).status_code == 200
    first.refresh_from_db()
    assert first.status == RegistrationStatus.CONFIRMED
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(regs_url(event, f"{first.pk}/cancel/"))
    first.refresh_from_db()
    assert first.status == RegistrationStatus.CANCELLED and first.cancelled_by == "staff"
    assert event.registrations.get(email="p3@example.org").status == RegistrationStatus.CONFIRMED
    assert AuditEntry.objects.filter(action="registration.cancelled").exists()


def test_staff_role_may_look_after_registrations(make_user, library, event):
    client = member(make_user, library, Role.STAFF)
    add(event, 1)
    reg = event.registrations.get()
    assert client.get(regs_url(event, "new/")).status_code == 200
    assert client.get(regs_url(event, f"{reg.pk}/")).status_code == 200
    assert client.post(regs_url(event, f"{reg.pk}/cancel/")).status_code == 302
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.CANCELLED


def test_registrations_of_another_library_are_404(admin_client, library, event, other_event):
    add(other_event, 4)
    theirs = other_event.registrations.get(email="p3@example.org")  # waiting
    mine = add(event, 1)[0]
    urls = [
        # B's registration under A's event, and B's event under A's address.
        regs_url(event, f"{theirs.pk}/"), regs_url(event, f"{theirs.pk}/cancel/"),
        regs_url(other_event, ""), regs_url(other_event, f"{theirs.pk}/"),
        f"/staff/{library.slug}/events/{other_event.pk}/registrations/{theirs.pk}/",
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 404, url
    for sub in ["cancel/", "promote/"]:
        assert admin_client.post(regs_url(event, f"{theirs.pk}/{sub}")).status_code == 404
        assert admin_client.post(
            f"/staff/{library.slug}/events/{other_event.pk}/registrations/{theirs.pk}/{sub}").status_code == 404
    # A's own registration under B's event id: 404 as well.
    assert admin_client.get(f"/staff/{library.slug}/events/{other_event.pk}/registrations/{mine.pk}/").status_code \
        == 404
    theirs.refresh_from_db()
    assert theirs.status == RegistrationStatus.WAITLISTED


# --- add by hand, edit ------------------------------------------------------------------------


def hand_data(**overrides):
    data = {"name": "Budi Santoso", "email": "Budi@Example.org", "whatsapp": "0812-3456-7890",
            "institution": "Perpustakaan Desa", "consent": "on"}
    data.update(overrides)
    return data


def test_add_by_hand(admin_client, event, django_capture_on_commit_callbacks):
    guru = event.categories.get(name="Guru")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(regs_url(event, "new/"), hand_data(category=guru.pk))
    assert response.status_code == 302
    reg = Registration.objects.get()
    assert reg.source == RegistrationSource.STAFF and reg.status == RegistrationStatus.CONFIRMED
    assert reg.whatsapp == "+6281234567890" and reg.category == guru
    assert reg.email_normalized == "budi@example.org" and reg.consent is not None
    assert AuditEntry.objects.filter(action="registration.added_by_staff").exists()
    assert [e.to for e in Email.objects.all()] == [["Budi@Example.org"]]


def test_add_by_hand_when_full_goes_to_the_waiting_list(admin_client, event):
    add(event, 3)
    response = admin_client.post(regs_url(event, "new/"), hand_data(category=event.categories.first().pk),
                                 follow=True)
    assert Registration.objects.get(email="Budi@Example.org").status == RegistrationStatus.WAITLISTED
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]


def test_add_by_hand_works_after_registration_closed(admin_client, event):
    event.registration_closes_at = timezone.now() - timedelta(hours=1)
    event.save()
    admin_client.post(regs_url(event, "new/"), hand_data(category=event.categories.first().pk))
    assert Registration.objects.filter(source=RegistrationSource.STAFF).count() == 1


def test_add_by_hand_checks_input_and_consent(admin_client, event):
    response = admin_client.post(regs_url(event, "new/"), hand_data(
        email="not-an-email", whatsapp="12", consent="", category=event.categories.first().pk))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"email", "whatsapp", "consent"} <= set(errors)
    assert not Registration.objects.exists()


def test_add_by_hand_of_someone_registered_shows_their_registration(admin_client, event):
    first = add(event, 1)[0]
    response = admin_client.post(regs_url(event, "new/"), hand_data(
        email="P0@example.org", category=event.categories.first().pk))
    assert response["Location"].endswith(f"registrations/{first.pk}/")
    assert Registration.objects.count() == 1


def test_edit_a_registration_and_its_answers(admin_client, event):
    q = Question.objects.create(event=event, label="Platform", kind=QuestionKind.MULTIPLE_CHOICE,
                                choices=["Instagram", "Facebook", "TikTok"], required=True)
    yn = Question.objects.create(event=event, label="Pernah ikut?", kind=QuestionKind.YES_NO)
    reg = add(event, 1)[0]
    page = admin_client.get(regs_url(event, f"{reg.pk}/"))
    assert page.status_code == 200 and "consent" not in page.context["form"].fields
    response = admin_client.post(regs_url(event, f"{reg.pk}/"), {
        "name": "Peserta Nol Betul", "email": "p0@example.org", "whatsapp": "081200000000",
        "institution": "SMA 2", "category": event.categories.get(name="Guru").pk,
        question_field_name(q): ["Instagram", "TikTok"], question_field_name(yn): "yes",
    })
    assert response.status_code == 302
    reg.refresh_from_db()
    assert reg.name == "Peserta Nol Betul" and reg.institution == "SMA 2"
    assert reg.answers == {str(q.pk): ["Instagram", "TikTok"], str(yn.pk): True}
    assert reg.category.name == "Guru"
    entry = AuditEntry.objects.get(action="registration.updated")
    assert "name" in entry.data["fields"]
    # The form shows the answers back.
    form = admin_client.get(regs_url(event, f"{reg.pk}/")).context["form"]
    assert form.initial[question_field_name(yn)] == "yes"
    assert form.initial[question_field_name(q)] == ["Instagram", "TikTok"]


def test_edit_refuses_an_email_used_by_another(admin_client, event):
    first, second = add(event, 2)
    response = admin_client.post(regs_url(event, f"{second.pk}/"), {
        "name": second.name, "email": "P0@example.org", "whatsapp": "", "institution": "",
        "category": event.categories.first().pk,
    })
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    second.refresh_from_db()
    assert second.email == "p1@example.org"
