"""The PDF itself: text extractable with its diacritics, the name inside its box, a QR code
that opens the verification page, the background embedded."""

from decimal import Decimal

import pytest
from cert_helpers import add_registration, make_design, make_event, pdf_to_png, pdftotext

from sapa.certificates import render, services
from sapa.certificates.models import Certificate, FieldKey

pytestmark = pytest.mark.django_db

DIACRITIC_NAMES = ["Ñoño Sébastien Müller", "Made O’Brien", "Zoë Çağlar Ångström"]


def _issue_all(design):
    services.issue(design)
    lay = services.layout(design)
    out = []
    for certificate in Certificate.objects.filter(design=design).order_by("seq"):
        out.append((certificate, lay.render(services.certificate_data(certificate))))
    return out


def test_text_is_extractable_with_diacritics_and_indonesian_date(library):
    event = make_event(library)
    for i, name in enumerate(DIACRITIC_NAMES):
        add_registration(event, name, f"p{i}@example.org")
    design = make_design(event)
    signer = design.signers.get(position=1)
    signer.name, signer.title = "Dra. Ni Wayan Sri Ëndah, M.Hum.", "Kepala Perpustakaan"
    signer.save()
    issued = _issue_all(design)
    assert [c.holder_name for c, _ in issued] == sorted(DIACRITIC_NAMES, key=str.casefold)
    for certificate, pdf in issued:
        text = pdftotext(pdf)
        assert certificate.holder_name in text, text
        assert "Selasa, 21 Juli 2020" in text
        assert f"No. {certificate.number}" in text
        assert "Peserta" in text  # the role, in the certificate's language
        assert "2 JP" in text
        assert "Dra. Ni Wayan Sri Ëndah, M.Hum." in text
    assert [c.number for c, _ in issued] == ["001/SS-MEDSOS/VII/2020", "002/SS-MEDSOS/VII/2020",
                                            "003/SS-MEDSOS/VII/2020"]


def _ink(image, threshold=100):
    """Pixels darker than `threshold` (luminance), as a set of (x, y)."""
    grey = image.convert("L")
    width, height = grey.size
    data = grey.load()
    return {(x, y) for y in range(height) for x in range(width) if data[x, y] < threshold}


@pytest.mark.parametrize("name", ["Siti Ñoño", "Prof. Dr. Ir. Ni Luh Made Ayu Saraswati Wulandari Ñáñez, "
                                                "S.Sos., M.Hum., M.Si., Ph.D. (long: shrunk to fit)"])
def test_the_name_lies_inside_the_box_the_design_gave_it(library, name):
    event = make_event(library)
    design = make_design(event)
    box = design.fields.get(key=FieldKey.NAME)
    box.x, box.y, box.width, box.height, box.font_size = (Decimal("30"), Decimal("120"), Decimal("110"),
                                                          Decimal("14"), Decimal("28"))
    box.align = "left"
    box.save()
    design.fields.exclude(key=FieldKey.NAME).update(enabled=False)
    lay = services.layout(design)
    dpi = 100
    with_name = pdf_to_png(lay.render(render.Certificate(name, "participant", "1", "")), dpi)
    without = pdf_to_png(lay.render(render.Certificate("", "participant", "1", "")), dpi)
    assert with_name.size == without.size
    assert abs(with_name.width - 297 / 25.4 * dpi) <= 1 and abs(with_name.height - 210 / 25.4 * dpi) <= 1
    ink = _ink(with_name) - _ink(without)
    assert len(ink) > 300, "the name drew (almost) nothing"
    px = dpi / 25.4
    left, top = 30 * px, 120 * px
    right, bottom = (30 + 110) * px, (120 + 14) * px
    outside = [(x, y) for x, y in ink if not (left - 1 <= x <= right + 1 and top - 1 <= y <= bottom + 1)]
    assert not outside, f"{len(outside)} dark pixels outside the box, e.g. {sorted(outside)[:5]}"
    xs = [x for x, _ in ink]
    assert min(xs) - left < 3 * px, "left-aligned text starts at the box's left edge"


def test_the_qr_code_opens_the_verification_page(library):
    import zxingcpp

    event = make_event(library)
    add_registration(event, "Siti Ñoño", "siti@example.org")
    design = make_design(event)
    [(certificate, pdf)] = _issue_all(design)
    image = pdf_to_png(pdf, 150)
    found = [r.text for r in zxingcpp.read_barcodes(image)]
    assert found == [f"https://sapa.example.org/v/{certificate.code}/"]


def test_the_background_jpeg_is_embedded_as_is_once(library):
    from cert_helpers import jpeg_bytes
    from django.core.files.base import ContentFile

    event = make_event(library)
    design = make_design(event)
    design.background.save("bg.jpg", ContentFile(jpeg_bytes((2000, 1414))), save=False)
    design.background_kind = "jpeg"
    design.save()
    page = services.prepared_page(design)
    assert page[:3] == b"\xff\xd8\xff"
    pdf = services.preview_pdf(design)
    assert pdf.count(b"/DCTDecode") == 1
    assert page in pdf  # the prepared JPEG's bytes, unchanged
    assert pdf.count(b"/FontFile2") >= 2  # the TrueType subsets are embedded


def test_worker_threads_render_at_the_same_time_without_mixing_up(library):
    """The worker runs jobs in threads: two generations may render at once (reportlab keeps
    its font subsets per document)."""
    import threading

    event = make_event(library)
    lay = services.layout(make_design(event))
    results, errors = {}, []
    barrier = threading.Barrier(4)

    def run(t):
        try:
            barrier.wait()
            for i in range(15):
                name = f"Ñoño Thread{t} Nomor{i} Müller"
                results[name] = lay.render(render.Certificate(name, "participant", f"{t}-{i}", ""))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and len(results) == 60
    for name, pdf in list(results.items())[::7]:
        assert name in " ".join(pdftotext(pdf).split())
