"""Bulk generation from the staff page: who gets a certificate, the numbers, the progress
fragment, the emails (once, through the outbox to a real SMTP server), the participant's
download through the personal link, and the ZIP for staff."""

import io
import re
import zipfile

import pytest
from cert_helpers import add_registration, attendees, make_design, make_event, member, pdftotext
from django.urls import reverse

from sapa.certificates import services, tasks
from sapa.certificates.models import Certificate, ExtraRecipient, Generation, GenerationState, Role
from sapa.events.services import manage_url
from sapa.libraries.models import AuditEntry
from sapa.libraries.models import Role as StaffRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(library):
    event = make_event(library)
    people = attendees(event, names=["Siti Ñoño", "Ayu Réné", "Budi Santoso", "Dewi O’Hara"])
    absent = add_registration(event, "Tidak Hadir", "absent@example.org", attended=False)
    ExtraRecipient.objects.create(event=event, name="Dr. Narasumber Utama", email="speaker@example.org",
                                  role=Role.SPEAKER)
    ExtraRecipient.objects.create(event=event, name="Panitia Tanpa Email", role=Role.COMMITTEE)
    design = make_design(event)
    return event, design, people, absent


def _generate(client, design, capture, send_email=True):
    url = reverse("certificates-generate", args=[design.event.library.slug, design.event_id, design.pk])
    with capture(execute=True):
        return client.post(url, {"send_email": "on"} if send_email else {}, follow=True)


def test_generation_numbers_attendees_and_extras_and_emails_each_once(
        admin_client, setup, smtp_server, django_capture_on_commit_callbacks):
    event, design, people, absent = setup
    response = _generate(admin_client, design, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    generation = Generation.objects.get()
    assert (generation.state, generation.total, generation.rendered) == (GenerationState.DONE, 6, 6)
    certificates = list(Certificate.objects.filter(event=event).order_by("seq"))
    assert [c.number for c in certificates] == [f"{n:03d}/SS-MEDSOS/VII/2020" for n in range(1, 7)]
    assert [(c.role, c.holder_name) for c in certificates] == [
        ("participant", "Ayu Réné"), ("participant", "Budi Santoso"), ("participant", "Dewi O’Hara"),
        ("participant", "Siti Ñoño"), ("speaker", "Dr. Narasumber Utama"), ("committee", "Panitia Tanpa Email"),
    ]
    assert not Certificate.objects.filter(registration=absent).exists()
    assert all(c.file and c.rendered_at for c in certificates)

    # One email per holder with an address; the committee member has none.
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        [p.email for p in people] + ["speaker@example.org"])
    siti = next(m for m in smtp_server.messages if m["To"] == people[0].email)
    body = siti.get_body(preferencelist=("plain",)).get_content()
    assert "Siti Ñoño" in body and "sebagai Peserta" in body
    certificate = Certificate.objects.get(registration=people[0])
    assert services.download_url(certificate) in body and services.verify_url(certificate) in body
    assert not list(siti.iter_attachments())  # a link, not the PDF (docs/certificates.md)

    # The link in the email gives the PDF with the name as the participant spelled it.
    pdf = admin_client.get(services.download_path(certificate))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "Siti Ñoño" in pdftotext(b"".join(pdf.streaming_content))

    # A second generation finds nobody new: no number, no email.
    _generate(admin_client, design, django_capture_on_commit_callbacks)
    assert Certificate.objects.count() == 6
    assert len(smtp_server.messages) == 5
    assert Generation.objects.first().state == GenerationState.DONE


def test_a_late_attendee_gets_the_next_number(admin_client, setup, django_capture_on_commit_callbacks):
    event, design, people, absent = setup
    _generate(admin_client, design, django_capture_on_commit_callbacks, send_email=False)
    from sapa.attendance.services import record_attendance

    record_attendance(absent, minutes=115)  # the meeting report imported late
    _generate(admin_client, design, django_capture_on_commit_callbacks, send_email=False)
    assert Certificate.objects.get(registration=absent).number == "007/SS-MEDSOS/VII/2020"


def test_the_progress_fragment_shows_each_state(admin_client, setup):
    event, design, *_ = setup
    generation = Generation.objects.create(design=design)
    url = reverse("certificates-generation", args=[event.library.slug, event.pk, generation.pk])
    queued = admin_client.get(url).content.decode()
    assert 'data-state="queued"' in queued and 'hx-trigger="every 2s"' in queued and "Dalam antrean" in queued
    Generation.objects.filter(pk=generation.pk).update(state=GenerationState.RUNNING, total=6, rendered=2)
    running = admin_client.get(url).content.decode()
    assert "Berjalan" in running and "2 dari 6 sudah dibuat" in running and "hx-trigger" in running
    tasks.run_generation(generation.pk)  # already running: another worker has it
    assert Generation.objects.get(pk=generation.pk).state == GenerationState.RUNNING
    Generation.objects.filter(pk=generation.pk).update(state=GenerationState.QUEUED)
    assert tasks.run_generation(generation.pk) == GenerationState.DONE
    done = admin_client.get(url).content.decode()
    assert "Selesai" in done and "6 dari 6 sudah dibuat" in done and "hx-trigger" not in done


def test_a_failed_generation_says_why_and_the_next_one_renders_the_numbers_it_gave(setup):
    event, design, *_ = setup
    from django.core.files.base import ContentFile

    design.background.save("bg.png", ContentFile(b"\x89PNG\r\n\x1a\n broken"), save=False)
    design.background_kind = "png"
    design.save()
    services.design_changed(design, what="updated")
    first = Generation.objects.create(design=design, send_email=False)
    assert tasks.run_generation(first.pk) == GenerationState.FAILED
    first.refresh_from_db()
    assert first.error.startswith("UnidentifiedImageError")
    numbered = list(Certificate.objects.values_list("seq", flat=True).order_by("seq"))
    assert numbered == [1, 2, 3, 4, 5, 6]  # numbers were given (and kept) before rendering failed
    design.background = ""
    design.save()
    services.design_changed(design, what="background_changed")
    second = Generation.objects.create(design=design, send_email=False)
    assert tasks.run_generation(second.pk) == GenerationState.DONE
    assert list(Certificate.objects.values_list("seq", flat=True).order_by("seq")) == numbered
    assert not Certificate.objects.filter(rendered_at__isnull=True).exists()


def test_one_generation_of_a_design_at_a_time(admin_client, setup):
    event, design, *_ = setup
    Generation.objects.create(design=design)  # queued, not run
    url = reverse("certificates-generate", args=[event.library.slug, event.pk, design.pk])
    response = admin_client.post(url, follow=True)
    assert "Pembuatan sertifikat dengan desain ini sedang berlangsung." in [str(m) for m in response.context["messages"]]
    assert Generation.objects.count() == 1


def test_the_participant_downloads_theirs_from_the_personal_page(client, setup, django_capture_on_commit_callbacks,
                                                                admin_client):
    event, design, people, absent = setup
    _generate(admin_client, design, django_capture_on_commit_callbacks, send_email=False)
    siti, ayu = people[0], people[1]
    page = client.get(manage_url(siti).replace("https://sapa.example.org", "")).content.decode()
    assert "Unduh sertifikat Anda" in page
    mine = Certificate.objects.get(registration=siti)
    assert services.download_path(mine) in page
    assert services.download_path(Certificate.objects.get(registration=ayu)) not in page
    nothing = client.get(manage_url(absent).replace("https://sapa.example.org", "")).content.decode()
    assert "Unduh sertifikat Anda" not in nothing
    # A wrong token is a 404 page, not the PDF.
    wrong = client.get(reverse("certificate-download", args=[mine.code, "x" * 24]))
    assert wrong.status_code == 404 and wrong["Content-Type"].startswith("text/html")


def test_editors_download_all_as_a_zip_staff_do_not(admin_client, setup, make_user, library,
                                                    django_capture_on_commit_callbacks):
    event, design, *_ = setup
    _generate(admin_client, design, django_capture_on_commit_callbacks, send_email=False)
    url = reverse("certificates-zip", args=[library.slug, event.pk])
    response = admin_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert names[0] == "sertifikat-001-ss-medsos-vii-2020.pdf" and len(names) == 6
    assert all(archive.read(n).startswith(b"%PDF-") for n in names)
    assert archive.testzip() is None
    assert AuditEntry.objects.filter(action="certificates.exported", data__count=6).exists()
    staff = member(make_user, library, StaffRole.STAFF)
    assert staff.get(url).status_code == 404
    # Staff may still see the list and one PDF.
    listing = staff.get(reverse("certificates-event", args=[library.slug, event.pk]))
    assert listing.status_code == 200 and "001/SS-MEDSOS/VII/2020" in listing.content.decode()
    one = Certificate.objects.order_by("seq").first()
    assert staff.get(reverse("certificates-pdf", args=[library.slug, event.pk, one.pk])).status_code == 200


def test_the_event_page_lists_designs_waiting_counts_and_the_generate_button(admin_client, setup):
    event, design, *_ = setup
    page = admin_client.get(reverse("certificates-event", args=[event.library.slug, event.pk])).content.decode()
    assert re.search(r"Buat 6 sertifikat", page)
    assert "{seq:03d}/SS-MEDSOS/{month_roman}/{year}" in page


def test_erased_participants_lose_their_name_and_email_on_the_certificate_not_the_certificate(setup):
    from sapa.events.services import anonymize_registration

    event, design, people, absent = setup
    services.issue(design)
    anonymize_registration(people[0])
    assert services.forget_erased_emails() == 0  # erasure took them along already
    certificate = Certificate.objects.get(registration=people[0])
    assert certificate.email == "" and certificate.holder_name == "" and certificate.is_valid
    assert Certificate.objects.get(registration=people[1]).email == people[1].email
    assert services.queue_email(certificate) is False


def test_the_email_speaks_the_participants_language(setup, smtp_server, django_capture_on_commit_callbacks):
    event, design, people, absent = setup
    people[1].language = "en"
    people[1].save()
    services.issue(design)
    lay = services.layout(design)
    for certificate in Certificate.objects.all():
        services.render_file(certificate, lay)
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_emails(design)
    english = next(m for m in smtp_server.messages if m["To"] == people[1].email)
    assert english["Subject"] == f"Your certificate: {event.title}"
    assert "as Participant" in english.get_body(preferencelist=("plain",)).get_content()
    indonesian = next(m for m in smtp_server.messages if m["To"] == people[0].email)
    assert indonesian["Subject"] == f"Sertifikat Anda: {event.title}"


def test_a_generation_whose_worker_died_is_resumed_with_its_numbers(admin_client, setup,
                                                                   django_capture_on_commit_callbacks):
    """Issue 12 item 2: no hour of refusal; "Generate" finds the dead worker's generation and
    resumes it, rendering the PDFs it left with the numbers it gave."""
    from datetime import timedelta

    from django.utils import timezone

    from sapa.certificates import services as cert_services

    event, design, *_ = setup
    dead = Generation.objects.create(design=design, state=GenerationState.RUNNING, worker="elsewhere:1:gone",
                                     started_at=timezone.now() - timedelta(minutes=1))
    numbered = cert_services.issue(design, generation=dead)
    numbers = sorted(c.number for c in numbered)
    _generate(admin_client, design, django_capture_on_commit_callbacks, send_email=False)
    dead.refresh_from_db()
    assert dead.state == GenerationState.DONE and dead.rendered == dead.total == 6
    assert sorted(Certificate.objects.values_list("number", flat=True)) == numbers
    assert Certificate.objects.filter(rendered_at__isnull=False).count() == 6


def test_a_generation_of_a_live_worker_is_not_taken_over(admin_client, setup):
    from sapa.certificates import tasks as cert_tasks
    from sapa.core import workers

    event, design, *_ = setup
    running = Generation.objects.create(design=design, state=GenerationState.RUNNING, worker=workers.NAME)
    assert cert_tasks.resume_abandoned(workers.dead) == 0
    running.refresh_from_db()
    assert running.state == GenerationState.RUNNING


def test_the_list_of_certificates_is_paged(admin_client, setup, django_capture_on_commit_callbacks):
    from sapa.certificates import views_staff

    event, design, *_ = setup
    _generate(admin_client, design, django_capture_on_commit_callbacks, send_email=False)
    views_staff.PAGE_SIZE, old = 4, views_staff.PAGE_SIZE
    try:
        url = reverse("certificates-event", args=[event.library.slug, event.pk])
        first = admin_client.get(url).content.decode()
        second = admin_client.get(url + "?page=2").content.decode()
    finally:
        views_staff.PAGE_SIZE = old
    assert "004/SS-MEDSOS/VII/2020" in first and "005/SS-MEDSOS/VII/2020" not in first
    assert "005/SS-MEDSOS/VII/2020" in second and "001/SS-MEDSOS/VII/2020" not in second
