"""Public verification /v/<code>/: valid, revoked, replaced, unknown and tampered codes; staff
revoke and reissue with a reason (audited)."""

import pytest
from cert_helpers import attendees, make_design, make_event, member
from django.urls import reverse

from sapa.certificates import codes, services
from sapa.certificates.models import Certificate
from sapa.libraries.models import AuditEntry
from sapa.libraries.models import Role as StaffRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(library):
    event = make_event(library)
    people = attendees(event, names=["Siti Ñoño", "Budi Santoso"])
    people[0].institution = "SMA Negeri 1 Rahasia"
    people[0].whatsapp = "+6281234567890"
    people[0].save()
    design = make_design(event)
    services.issue(design)
    lay = services.layout(design)
    for certificate in Certificate.objects.all():
        services.render_file(certificate, lay)
    return Certificate.objects.get(registration=people[0])


def _verify(client, code):
    return client.get(f"/v/{code}/")


def test_a_valid_certificate_shows_what_it_says_and_nothing_more(client, issued):
    response = _verify(client, issued.code)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sertifikat ini sah." in page
    for shown in ("Siti Ñoño", "Sharing Session Media Sosial Perpustakaan", "Selasa, 21 Juli 2020",
                  issued.number, "Perpustakaan A", "Peserta", codes.grouped(issued.code)):
        assert shown in page, shown
    for hidden in ("p0@example.org", "SMA Negeri 1 Rahasia", "6281234567890", "Budi Santoso"):
        assert hidden not in page, hidden
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize("variant", [str.lower, codes.grouped, lambda c: " " + codes.grouped(c).lower() + " "])
def test_the_code_as_people_type_it(client, issued, variant):
    typed = variant(issued.code).strip()
    assert _verify(client, typed).status_code == 200


def test_a_tampered_code_is_invalid_without_a_look_up(client, issued, django_assert_max_num_queries):
    code = issued.code
    position = 5
    tampered = code[:position] + next(ch for ch in codes.ALPHABET if ch != code[position]) + code[position + 1:]
    assert not codes.is_well_formed(tampered)
    with django_assert_max_num_queries(0):
        response = _verify(client, tampered)
    assert response.status_code == 404
    page = response.content.decode()
    assert "Kode ini tidak sah." in page and "Siti" not in page


@pytest.mark.parametrize("junk", ["x", "AAAA", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "0" * 200, "ÑOÑO-ÑOÑO"])
def test_junk_codes_get_the_invalid_page_not_an_error(client, issued, junk):
    response = client.get(f"/v/{junk}/")
    assert response.status_code == 404
    assert "Kode ini tidak sah." in response.content.decode()
    assert "<script>alert" not in response.content.decode()


def test_an_unknown_well_formed_code_is_not_found(client, issued):
    unknown = codes.new_code()
    response = _verify(client, unknown)
    assert response.status_code == 404
    assert "Tidak ada sertifikat dengan kode ini." in response.content.decode()


def test_staff_revoke_with_a_reason_and_the_page_says_so(admin_client, client, issued):
    url = reverse("certificates-certificate", args=[issued.library.slug, issued.event_id, issued.pk])
    refused = admin_client.post(url, {"action": "revoke", "reason": ""})
    assert refused.status_code == 200 and Certificate.objects.get(pk=issued.pk).revoked_at is None
    admin_client.post(url, {"action": "revoke", "reason": "Tidak memenuhi syarat kehadiran"})
    issued.refresh_from_db()
    assert issued.revoked_at is not None
    page = _verify(client, issued.code)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sertifikat ini telah dicabut." in text and "Tidak memenuhi syarat kehadiran" in text
    assert "Sertifikat ini sah." not in text
    entry = AuditEntry.objects.get(action="certificate.revoked")
    assert entry.data == {"reason": "Tidak memenuhi syarat kehadiran"} and entry.object_id == str(issued.pk)
    # The holder's download now shows the revocation, not the PDF.
    download = client.get(services.download_path(issued))
    assert download["Content-Type"].startswith("text/html") and "dicabut" in download.content.decode()


def test_reissue_after_a_name_correction(admin_client, client, issued, django_capture_on_commit_callbacks):
    registration = issued.registration
    registration.name = "Siti Ñoño Rahmawati"
    registration.save()
    url = reverse("certificates-certificate", args=[issued.library.slug, issued.event_id, issued.pk])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "reissue", "reason": "Ejaan nama diperbaiki"})
    issued.refresh_from_db()
    new = issued.replaced_by
    assert new is not None and new.code != issued.code
    assert new.number == "003/SS-MEDSOS/VII/2020"  # the next in the series: no number reused
    assert new.holder_name == "Siti Ñoño Rahmawati" and new.rendered_at and new.file
    old_page = _verify(client, issued.code).content.decode()
    assert "Diganti dengan" in old_page and new.number in old_page and f"/v/{new.code}/" in old_page
    assert "Sertifikat ini sah." in _verify(client, new.code).content.decode()
    assert AuditEntry.objects.filter(action="certificate.reissued", data__replaces=issued.number).exists()
    # Revoking twice is refused with a message.
    again = admin_client.post(url, {"action": "revoke", "reason": "lagi"}, follow=True)
    assert "Sertifikat ini sudah dicabut." in [str(m) for m in again.context["messages"]]


def test_staff_members_cannot_revoke(make_user, library, issued):
    staff = member(make_user, library, StaffRole.STAFF)
    url = reverse("certificates-certificate", args=[library.slug, issued.event_id, issued.pk])
    assert staff.get(url).status_code == 200
    assert staff.post(url, {"action": "revoke", "reason": "x"}).status_code == 404
    assert Certificate.objects.get(pk=issued.pk).revoked_at is None


def test_codes_check_and_shape():
    seen = set()
    for _ in range(2000):
        code = codes.new_code()
        assert len(code) == 20 and codes.is_well_formed(code) and code not in seen
        seen.add(code)
    code = codes.new_code()
    # Single-character changes and swaps of neighbours are caught.
    misses = sum(codes.is_well_formed(code[:i] + ch + code[i + 1:])
                 for i in range(len(code)) for ch in codes.ALPHABET if ch != code[i])
    assert misses <= 1  # 20 bits of check: about one in a million slips through
    swaps = [code[:i] + code[i + 1] + code[i] + code[i + 2:] for i in range(len(code) - 1) if code[i] != code[i + 1]]
    assert sum(codes.is_well_formed(s) for s in swaps) <= 1
    assert codes.normalize("abcd-efgh ijkl-mnop") == "ABCDEFGH1JK1MN0P"
