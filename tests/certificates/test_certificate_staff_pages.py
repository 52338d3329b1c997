"""Staff pages: the design form without JavaScript (numbers), its checks, recipients, the
preview, roles, and another library's objects answering 404."""

import pytest
from cert_helpers import attendees, make_design, make_event, member, pdftotext
from django.urls import reverse
from test_uploads import _formdata

from sapa.certificates import services
from sapa.certificates.models import Certificate, ExtraRecipient, FieldKey, Generation, Role
from sapa.events.models import Speaker
from sapa.libraries.models import AuditEntry
from sapa.libraries.models import Role as StaffRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def design(library):
    return make_design(make_event(library))


def _design_url(design):
    return reverse("certificates-design", args=[design.event.library.slug, design.event_id, design.pk])


def _row(formdata, key, design):
    index = list(design.fields.values_list("key", flat=True)).index(key)
    return {k.split("-", 2)[2]: k for k in formdata if k.startswith(f"fields-{index}-")}


def test_numbers_typed_without_javascript_move_the_box(admin_client, design):
    url = _design_url(design)
    data = _formdata(admin_client.get(url).context)
    names = _row(data, FieldKey.NAME, design)
    data[names["x"]], data[names["y"]], data[names["width"]], data[names["height"]] = "20.5", "60", "150", "20"
    data[names["align"]] = "left"
    data[names["colour"]] = "#7a1f1f"
    data["design-number_pattern"] = "{seq:04d}/SERT-PERPUS/{year}"
    data["design-hours"] = "3.5"
    response = admin_client.post(url, data, follow=True)
    assert "Desain disimpan." in [str(m) for m in response.context["messages"]]
    name = design.fields.get(key=FieldKey.NAME)
    assert (float(name.x), float(name.y), float(name.width), float(name.height)) == (20.5, 60, 150, 20)
    assert (name.align, name.colour) == ("left", "#7a1f1f")
    design.refresh_from_db()
    assert design.number_pattern == "{seq:04d}/SERT-PERPUS/{year}" and design.version == 2
    assert AuditEntry.objects.filter(action="certificate_design.updated").exists()
    pdf = admin_client.get(reverse("certificates-design-preview", args=[design.event.library.slug,
                                                                        design.event_id, design.pk]))
    text = " ".join(pdftotext(pdf.content).split())
    assert services.SAMPLE_NAME in text  # on two lines in a 150 mm box at 30 pt and "0001/SERT-PERPUS/2020" in text and "3,5 JP" in text


@pytest.mark.parametrize(("field", "value", "message"), [
    ("x", "250", "Kotak harus berada di dalam halaman (297 × 210 mm)."),
    ("width", "2", "Kotak perlu lebar minimal 5 mm dan tinggi minimal 3 mm."),
    ("pattern", "SERT/{year}", "Pola harus memuat nomor urut {seq} tepat satu kali"),
    ("pattern", "{seq:03d}/{tahun}", "Penanda tidak dikenal: {tahun}."),
    ("pattern", "{seq:03d/{year}", "Pola memiliki { atau } tanpa pasangan."),
])
def test_bad_numbers_are_refused_with_a_message_and_nothing_changes(admin_client, design, field, value, message):
    url = _design_url(design)
    data = _formdata(admin_client.get(url).context)
    if field == "pattern":
        data["design-number_pattern"] = value
    else:
        data[_row(data, FieldKey.NAME, design)[field]] = value
    response = admin_client.post(url, data)
    assert response.status_code == 400  # refused: the form again, with why
    assert message in response.content.decode()
    design.refresh_from_db()
    assert design.version == 1
    assert float(design.fields.get(key=FieldKey.NAME).x) == 38.5


def test_portrait_designs_check_boxes_against_the_portrait_page(admin_client, design):
    url = _design_url(design)
    data = _formdata(admin_client.get(url).context)
    data["design-orientation"] = "portrait"
    response = admin_client.post(url, data)  # landscape boxes do not fit a portrait page
    assert "Kotak harus berada di dalam halaman (210 × 297 mm)." in response.content.decode()


def test_staff_see_the_design_but_cannot_change_it(make_user, library, design):
    staff = member(make_user, library, StaffRole.STAFF)
    url = _design_url(design)
    page = staff.get(url)
    assert page.status_code == 200 and "disabled" in page.content.decode()
    assert staff.post(url, _formdata(page.context)).status_code == 404
    assert staff.post(reverse("certificates-generate", args=[library.slug, design.event_id, design.pk])).status_code == 404
    assert not Generation.objects.exists()


def test_recipients_speakers_and_committee(admin_client, library, design):
    event = design.event
    Speaker.objects.create(event=event, name="Dr. Ratna Ñoman", role="Narasumber, dosen")
    Speaker.objects.create(event=event, name="Dewindah", role="Moderator")
    url = reverse("certificates-recipients", args=[library.slug, event.pk])
    admin_client.post(url, {"add_speakers": "1"})
    admin_client.post(url, {"add_speakers": "1"})  # twice: nobody twice
    assert sorted(ExtraRecipient.objects.values_list("name", "role")) == [
        ("Dewindah", Role.MODERATOR), ("Dr. Ratna Ñoman", Role.SPEAKER)]
    bad = admin_client.post(url, {"name": "   ", "email": "bukan-email", "role": Role.COMMITTEE})
    assert bad.status_code == 200 and ExtraRecipient.objects.count() == 2
    admin_client.post(url, {"name": "Rizky  Pratama", "email": "rizky@example.org", "role": Role.COMMITTEE})
    assert ExtraRecipient.objects.get(role=Role.COMMITTEE).name == "Rizky Pratama"
    waiting = {r.name for r in services.recipients(design)}
    assert waiting == {"Dewindah", "Dr. Ratna Ñoman", "Rizky Pratama"}


def test_a_design_for_speakers_only_leaves_participants_out(library):
    event = make_event(library)
    attendees(event, names=["Siti"])
    ExtraRecipient.objects.create(event=event, name="Narasumber", role=Role.SPEAKER)
    design = make_design(event, roles=[Role.SPEAKER])
    assert [r.name for r in services.recipients(design)] == ["Narasumber"]


def test_another_librarys_objects_answer_404(admin_client, other_library, library):
    theirs = make_design(make_event(other_library, slug="lain"))
    attendees(theirs.event, names=["Orang Lain"])
    services.issue(theirs)
    certificate = Certificate.objects.get()
    extra = ExtraRecipient.objects.create(event=theirs.event, name="X", role=Role.SPEAKER)
    generation = Generation.objects.create(design=theirs)
    e = theirs.event_id
    own = library.slug
    urls = [
        reverse("certificates-event", args=[own, e]),
        reverse("certificates-recipients", args=[own, e]),
        reverse("certificates-design", args=[own, e, theirs.pk]),
        reverse("certificates-design-page", args=[own, e, theirs.pk]),
        reverse("certificates-design-preview", args=[own, e, theirs.pk]),
        reverse("certificates-generation", args=[own, e, generation.pk]),
        reverse("certificates-certificate", args=[own, e, certificate.pk]),
        reverse("certificates-pdf", args=[own, e, certificate.pk]),
        reverse("certificates-zip", args=[own, e]),
        # and through the other library's own slug, of which we are no member
        reverse("certificates-event", args=[other_library.slug, e]),
        reverse("certificates-certificate", args=[other_library.slug, e, certificate.pk]),
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 404, url
    posts = [
        reverse("certificates-generate", args=[own, e, theirs.pk]),
        reverse("certificates-design-background", args=[own, e, theirs.pk]),
        reverse("certificates-recipient-delete", args=[own, e, extra.pk]),
        reverse("certificates-certificate", args=[own, e, certificate.pk]),
    ]
    for url in posts:
        assert admin_client.post(url, {"reason": "x", "action": "revoke"}).status_code == 404, url
    # An own event's URL with the other library's design id: 404 too.
    mine = make_design(make_event(library, slug="milik"))
    assert admin_client.get(reverse("certificates-design", args=[own, mine.event_id, theirs.pk])).status_code == 404
    assert Certificate.objects.get().revoked_at is None and ExtraRecipient.objects.filter(pk=extra.pk).exists()


def test_anonymous_visitors_are_sent_to_log_in(client, design):
    response = client.get(_design_url(design))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_event_nav_links_to_certificates(admin_client, design):
    page = admin_client.get(reverse("staff-event-detail", args=[design.event.library.slug, design.event_id]))
    assert reverse("certificates-event", args=[design.event.library.slug, design.event_id]) in page.content.decode()
