"""Uploads of backgrounds and signatures, through the staff pages: checked by their content;
a refused file changes nothing and says why, in Indonesian."""

import pytest
from cert_helpers import jpeg_bytes, make_design, make_event, pdf_pages, png_bytes
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sapa.certificates import render, services, uploads
from sapa.certificates.models import CertificateDesign

pytestmark = pytest.mark.django_db


@pytest.fixture
def design(library):
    return make_design(make_event(library))


def _upload(client, design, data: bytes, name: str, page=1):
    url = reverse("certificates-design-background", args=[design.event.library.slug, design.event_id, design.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, data), "page": page}, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_png_background_is_taken_and_fills_the_page(admin_client, design):
    response = _upload(admin_client, design, png_bytes((1500, 1060), (10, 120, 90)), "latar.png")
    assert response.status_code == 200
    assert "Latar belakang diunggah." in _messages(response)
    design.refresh_from_db()
    assert design.background_kind == "png" and design.background
    image = render.background_image(design)
    assert image.size == render.page_pixels(design)
    assert image.getpixel((image.width // 2, image.height // 2)) == (10, 120, 90)


def test_a_text_file_named_png_is_refused(admin_client, design):
    response = _upload(admin_client, design, b"Ini bukan gambar, hanya teks.\n" * 20, "latar.png")
    assert any("bukan salah satunya" in m for m in _messages(response)), _messages(response)
    design.refresh_from_db()
    assert not design.background


def test_a_png_header_with_broken_data_is_refused(admin_client, design):
    data = png_bytes()
    response = _upload(admin_client, design, data[:200], "latar.png")
    assert any("rusak" in m for m in _messages(response)), _messages(response)
    assert not CertificateDesign.objects.get(pk=design.pk).background


def test_an_oversized_file_is_refused(admin_client, design):
    data = jpeg_bytes() + b"\0" * (uploads.BACKGROUND_MAX_BYTES + 1)
    response = _upload(admin_client, design, data, "besar.jpg")
    assert any("batasnya 10 MB" in m for m in _messages(response)), _messages(response)
    assert not CertificateDesign.objects.get(pk=design.pk).background


def test_a_too_small_image_is_refused(admin_client, design):
    response = _upload(admin_client, design, png_bytes((300, 200)), "kecil.png")
    assert any("300 × 200" in m for m in _messages(response)), _messages(response)


def test_the_chosen_page_of_a_multi_page_pdf_is_the_background(admin_client, design):
    pdf = pdf_pages([(200, 30, 30), (30, 160, 60), (30, 30, 200)])
    response = _upload(admin_client, design, pdf, "templat.pdf", page=2)
    assert "Latar belakang diunggah." in _messages(response)
    design.refresh_from_db()
    assert (design.background_kind, design.background_page) == ("pdf", 2)
    image = render.background_image(design)
    assert image.size == render.page_pixels(design)
    r, g, b = image.getpixel((image.width // 2, image.height // 2))
    assert g > 140 and r < 60 and b < 80, (r, g, b)  # page 2 is the green one


def test_a_page_the_pdf_does_not_have_is_refused_with_the_count(admin_client, design):
    pdf = pdf_pages([(200, 30, 30), (30, 160, 60), (30, 30, 200)])
    response = _upload(admin_client, design, pdf, "templat.pdf", page=5)
    assert "PDF ini punya 3 halaman: pilih halaman 1 sampai 3." in _messages(response)
    assert not CertificateDesign.objects.get(pk=design.pk).background


def test_a_damaged_pdf_is_refused(admin_client, design):
    response = _upload(admin_client, design, b"%PDF-1.7\n" + b"rubbish" * 100, "rusak.pdf")
    assert any("tidak dapat dibaca" in m for m in _messages(response)), _messages(response)


def test_the_prepared_page_follows_the_design_version(admin_client, design):
    first = services.prepared_page(design)
    _upload(admin_client, design, jpeg_bytes((1400, 990), (250, 250, 0)), "kuning.jpg")
    design.refresh_from_db()
    second = services.prepared_page(design)
    assert first != second
    assert design.prepared_version == design.version


def test_a_signature_that_is_not_an_image_is_refused(admin_client, design):
    url = reverse("certificates-design", args=[design.event.library.slug, design.event_id, design.pk])
    page = admin_client.get(url)
    data = _formdata(page.context)
    data["signers-0-signature"] = SimpleUploadedFile("ttd.png", b"not a png at all")
    response = admin_client.post(url, data)
    assert response.status_code == 400  # refused: the form again, with why
    assert "Unggah tanda tangan sebagai gambar PNG atau JPEG." in response.content.decode()
    assert not design.signers.get(position=1).signature


def _formdata(context) -> dict:
    """The design page's form as the browser would send it back."""
    data = {}
    for prefix in ("fields", "signers"):
        formset = context[prefix]
        management = formset.management_form
        for name in management.fields:
            data[f"{prefix}-{name}"] = management[name].value()
        for form in formset.forms:
            for name in form.fields:
                value = form[name].value()
                if name in ("signature",):
                    continue
                if isinstance(value, bool) or name in ("enabled", "remove_signature"):
                    if value:
                        data[form.add_prefix(name)] = "on"
                    continue
                data[form.add_prefix(name)] = "" if value is None else value
    form = context["form"]
    for name in form.fields:
        value = form[name].value()
        data[form.add_prefix(name)] = "" if value is None else value
    return data
