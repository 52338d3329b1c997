"""QR codes and flyers: a 200-character Indonesian title in every size and layout stays inside the
canvas, and the QR of each flyer decodes back to its short link."""

import io
import shutil
import subprocess

import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from sapa.promotion import flyers, links, qr
from sapa.promotion.models import Channel

pytestmark = pytest.mark.django_db

TITLE_200 = (
    "Sharing Session Nasional: Strategi Pengelolaan Media Sosial Perpustakaan Sekolah, Perguruan Tinggi "
    "dan Umum untuk Menyapa Pemustaka di Masa Pandemi Covid-19 bersama Pustakawan dan Widyaiswara Kemenag!"
)


def decode(image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def png_image(content: bytes):
    return Image.open(io.BytesIO(content)).convert("RGB")


def test_title_is_200_characters():
    assert len(TITLE_200) == 200


def test_qr_png_decodes_and_svg_is_svg():
    url = "https://sapa.example.id/s/abc2345"
    assert decode(png_image(qr.png(url, scale=4))) == [url]
    code = qr.make(url)
    assert code.error in ("M", "Q", "H")
    svg = qr.svg(url, title="Daftar").decode()
    assert svg.startswith("<?xml") and "<svg" in svg and "<title>Daftar</title>" in svg


def _photo(color):
    out = io.BytesIO()
    Image.new("RGB", (120, 160), color).save(out, format="PNG")
    return SimpleUploadedFile("p.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def long_event(event, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    event.title = TITLE_200
    event.save()
    speaker = event.speakers.first()
    speaker.photo = _photo((180, 120, 90))
    speaker.save()
    event.library.logo = _photo((255, 255, 255))
    event.library.primary_color = "#f4d03f"  # light: the text turns dark
    event.library.save()
    return event


@pytest.mark.parametrize("layout", flyers.LAYOUTS)
@pytest.mark.parametrize("size", list(flyers.SIZES))
def test_every_text_box_is_inside_the_canvas_and_the_qr_decodes(long_event, size, layout):
    link = links.event_link(long_event, Channel.FLYER)
    rendered = flyers.render(flyers.flyer_data(long_event, link), size=size, layout=layout)
    width, height = flyers.SIZES[size]
    assert rendered.image.size == (width, height)
    texts = " ".join(box.text for box in rendered.boxes)
    for word in TITLE_200.split():
        assert word in texts  # nothing of the title is cut
    for box in rendered.boxes:
        assert 0 <= box.x0 <= box.x1 <= width and 0 <= box.y0 <= box.y1 <= height, box
    assert min(box.size for box in rendered.boxes) >= 9 * width / 1080  # still readable
    # the QR lies inside the canvas, and decodes to the flyer's short link
    x0, y0, x1, y1 = rendered.qr_box
    assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    assert decode(rendered.image) == [link.url]


def test_fit_text_wraps_then_shrinks_and_returns_its_boxes():
    image = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(image)
    box = (20, 20, 380, 120)
    fitted = flyers.fit_text(draw, TITLE_200, box, max_size=60)
    assert fitted.size < 60 and len(fitted.lines) > 1
    for line in fitted.lines:
        assert box[0] <= line.x0 and line.x1 <= box[2] and box[1] <= line.y0 and line.y1 <= box[3]
    assert " ".join(line.text for line in fitted.lines) == " ".join(TITLE_200.split())
    # a word wider than its box is broken, never cut
    fitted = flyers.fit_text(draw, "Perpustakaanperpustakaanperpustakaan", (0, 0, 60, 200), max_size=40,
                             max_lines=None, min_size=30)
    assert "".join(line.text for line in fitted.lines) == "Perpustakaanperpustakaanperpustakaan"
    assert all(line.x1 <= 60 for line in fitted.lines)


def test_indonesian_date_and_zone(event):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import translation

    event.starts_at = datetime(2020, 7, 21, 9, 0, tzinfo=ZoneInfo("Asia/Makassar"))
    event.ends_at = datetime(2020, 7, 21, 11, 30, tzinfo=ZoneInfo("Asia/Makassar"))
    event.time_zone = "Asia/Makassar"
    with translation.override("id"):
        data = flyers.flyer_data(event, links.event_link(event, Channel.FLYER))
    assert data.date_line == "Selasa, 21 Juli 2020"
    assert data.time_line == "09.00–11.30 WITA"


def test_a4_is_a_one_page_pdf_whose_qr_decodes(long_event, tmp_path):
    content, ext = flyers.flyer_file(long_event, "classic", "a4")
    assert ext == "pdf" and content.startswith(b"%PDF")
    assert b"/MediaBox [ 0 0 595.2" in content or b"/MediaBox [0 0 595.2" in content  # A4 in points
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pdf = tmp_path / "flyer.pdf"
    pdf.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    page = Image.open(tmp_path / "page.png").convert("RGB")
    assert decode(page) == [links.event_link(long_event, Channel.FLYER).url]


def test_flyer_files_are_cached_per_event_version(long_event, monkeypatch):
    calls = []
    real = flyers.render

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(flyers, "render", counting)
    first, ext = flyers.flyer_file(long_event, "poster", "square")
    again, _ = flyers.flyer_file(long_event, "poster", "square")
    assert ext == "png" and first == again and len(calls) == 1
    long_event.title = "Judul baru"
    long_event.save()
    changed, _ = flyers.flyer_file(long_event, "poster", "square")
    assert changed != first and len(calls) == 2
