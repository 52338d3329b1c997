"""Uploads (issue 11 item 1, item 9 "draft media" and "primary_color"; issue 12 item 10).

What a file is comes from its bytes, never its name; it is stored as
`<random>.<detected extension>`; /media/ shows inline only images and videos,
always with nosniff; a small file that unpacks to something huge is "too large"
and costs no memory; a refused upload answers 400 with the form again.
"""

import io
import re
import struct
import zipfile
import zlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from factories import make_event
from PIL import Image

from sapa.events.models import Event
from sapa.libraries.models import Library, Role
from sapa.social.models import MediaItem

pytestmark = pytest.mark.django_db

RANDOM = r"[0-9a-f]{32}"


def t(msgid: str) -> str:
    """A message as the pages show it (the site's default language)."""
    with translation.override(django_settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BASE_URL = "https://sapa.example.org"


@pytest.fixture
def staff(member_client):
    return member_client(Role.STAFF)


@pytest.fixture
def event(library):
    starts = datetime(2030, 7, 21, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    return make_event(library, slug="ss-medsos", title="Sharing Session", starts_at=starts, categories=False)


def image_bytes(fmt="PNG", size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 90)).save(out, fmt)
    return out.getvalue()


def gif_js_polyglot() -> bytes:
    """A GIF that Pillow decodes whole and that is also a script: `GIF89a/*…*/=1;alert(…)`.

    A width of 10,799 pixels is the bytes "/*", which opens a JS comment; the
    payload after the GIF's trailer closes it.
    """
    out = io.BytesIO()
    Image.new("P", (0x2A2F, 1)).save(out, "GIF")
    data = out.getvalue()
    assert data[6:8] == b"/*" and b"*/" not in data
    return data + b"*/=1;alert(document.domain);"


def png_declaring(width: int, height: int) -> bytes:
    """A real PNG bomb: a few KB of deflated zeros that decode to width × height pixels."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte + a 1-bit row
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def media_get(client, name):
    return client.get("/media/" + name)


# --- Issue 11 item 1: the social media library and /media/ -------------------------------------


def test_a_gif_js_polyglot_named_html_is_stored_as_gif_and_served_as_an_image(staff, library):
    upload = SimpleUploadedFile("x.html", gif_js_polyglot(), content_type="text/html")
    response = staff.post(
        reverse("social-media", args=[library.slug]), {"file": upload, "alt_text": "Logo"}
    )
    assert response.status_code == 302
    item = MediaItem.objects.get()
    assert re.fullmatch(rf"social/\d{{4}}/\d{{2}}/{RANDOM}\.gif", item.file.name), item.file.name
    assert (item.kind, item.format, item.mime_type) == ("image", "GIF", "image/gif")
    served = media_get(staff, item.file.name)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/gif"
    assert served["X-Content-Type-Options"] == "nosniff"
    # The staff view of the same file: the stored type, nosniff.
    own = staff.get(reverse("social-media-file", args=[library.slug, item.pk]))
    assert own["Content-Type"] == "image/gif" and own["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "name, content",
    [
        ("x.html", b"<script>alert(document.domain)</script>"),
        ("clip.mp4", b"<html><script>alert(1)</script></html>"),  # named as a video, is HTML
        ("clip.mov", b"\x00" * 64),
        (
            "photo.heic",
            b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
        ),  # an image in a video's box
        ("song.m4a", b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom"),
        ("page.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ],
)
def test_files_that_are_not_an_accepted_image_or_video_are_refused(staff, library, name, content):
    response = staff.post(
        reverse("social-media", args=[library.slug]),
        {"file": SimpleUploadedFile(name, content), "alt_text": "x"},
    )
    assert response.status_code == 400
    assert "<form" in response.content.decode()  # the form again, with why
    assert not MediaItem.objects.exists()
    assert not [p for p in django_settings.MEDIA_ROOT.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    "name, content, ext, mime",
    [
        (
            "liputan.jpg",
            b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 32,
            "mp4",
            "video/mp4",
        ),
        (
            "liputan",
            b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 32,
            "mov",
            "video/quicktime",
        ),
        (
            "liputan.mp4",
            b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
            b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02" + b"\x00" * 32,
            "webm",
            "video/webm",
        ),
    ],
)
def test_videos_are_recognised_by_their_container_not_their_name(
    staff, library, name, content, ext, mime
):
    response = staff.post(
        reverse("social-media", args=[library.slug]),
        {"file": SimpleUploadedFile(name, content), "alt_text": ""},
    )
    assert response.status_code == 302
    item = MediaItem.objects.get()
    assert (item.kind, item.mime_type, item.original_name) == ("video", mime, name)
    assert re.fullmatch(rf"social/\d{{4}}/\d{{2}}/{RANDOM}\.{ext}", item.file.name), item.file.name
    served = media_get(staff, item.file.name)
    assert served["Content-Type"] == mime and served["X-Content-Type-Options"] == "nosniff"
    assert not served.get("Content-Disposition", "").startswith("attachment")


def _put(name: str, content: bytes):
    path = django_settings.MEDIA_ROOT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


@pytest.mark.parametrize(
    "name",
    [
        "social/2026/05/x.html",  # stored under the uploader's name before names were random
        "news/1/covers/a.svg",
        "logos/x.pdf",
        "events/posters/x.js",
        "social/2026/05/page.html.gz",
    ],
)
def test_media_that_is_not_an_image_or_video_is_an_attachment(client, name):
    _put(name, b"<script>alert(document.domain)</script>")
    response = media_get(client, name)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Encoding" not in response


@pytest.mark.parametrize(
    "name, mime",
    [
        ("events/posters/p.png", "image/png"),
        ("news/1/gallery/p.jpg", "image/jpeg"),
        ("social/2026/05/v.mp4", "video/mp4"),
    ],
)
def test_images_and_videos_are_shown_inline_with_nosniff(client, name, mime):
    _put(name, b"bytes")
    response = media_get(client, name)
    assert response["Content-Type"] == mime and response["X-Content-Type-Options"] == "nosniff"
    assert not response.get("Content-Disposition", "").startswith("attachment")


def test_the_staff_file_view_never_shows_a_stored_html_inline(staff, library):
    _put("social/2026/05/x.html", b"<script>alert(1)</script>")
    item = MediaItem.objects.create(
        library=library,
        file="social/2026/05/x.html",
        original_name="x.html",
        mime_type="text/html",
        kind="image",
    )
    response = staff.get(reverse("social-media-file", args=[library.slug, item.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


# --- Issue 11 item 9: draft media under unguessable names -------------------------------------


def test_a_draft_articles_photos_and_an_events_poster_get_random_names(library, admin_user):
    from sapa.events.forms_staff import ImageUploadField
    from sapa.news import services
    from sapa.news.models import Article

    article = Article(library=library, title="Draf", body="Teks")
    services.save_article(
        article, by=admin_user, cover=SimpleUploadedFile("rapat-rahasia.jpg", image_bytes("JPEG"))
    )
    photo = services.add_photo(
        article, SimpleUploadedFile("rapat-rahasia-2.png", image_bytes()), by=admin_user
    )
    assert article.state == "draft"
    assert re.fullmatch(rf"news/{library.pk}/covers/{RANDOM}\.jpg", article.cover.name), (
        article.cover.name
    )
    assert re.fullmatch(rf"news/{library.pk}/gallery/{RANDOM}\.jpg", photo.image.name), (
        photo.image.name
    )

    poster = ImageUploadField().clean(SimpleUploadedFile("x.html", image_bytes("WEBP")))
    assert re.fullmatch(rf"{RANDOM}\.webp", poster.name)
    event = Event(library=library, slug="draf", title="Draf")
    event.poster.save(poster.name, poster, save=False)
    assert re.fullmatch(rf"events/posters/{RANDOM}\.webp", event.poster.name)


# --- Issue 12 item 10: bombs are "too large"; PDF and XLSX bounded -----------------------------


BOMB = png_declaring(20_000, 20_000)  # 400 megapixels in a few KB


def _refusal(check) -> str:
    try:
        check()
    except ValidationError as exc:
        return " ".join(exc.messages)
    except ValueError as exc:  # MediaError, PhotoError
        return str(exc)
    raise AssertionError("the bomb was accepted")


def _social(library):
    from sapa.social.media import add_media

    return lambda: add_media(library, SimpleUploadedFile("bom.png", BOMB))


def _news(_library):
    from sapa.news.text import process_photo

    return lambda: process_photo(SimpleUploadedFile("bom.png", BOMB), width=1600)


def _events(_library):
    from sapa.events.forms_staff import validate_image

    return lambda: validate_image(SimpleUploadedFile("bom.png", BOMB))


def _signature(_library):
    from sapa.certificates.uploads import check_signature

    return lambda: check_signature(SimpleUploadedFile("bom.png", BOMB))


def _background(_library):
    from sapa.certificates.uploads import check_background

    return lambda: check_background(SimpleUploadedFile("bom.png", BOMB))


@pytest.mark.parametrize("where", [_social, _news, _events, _signature, _background])
def test_a_decompression_bomb_is_too_large_not_damaged(library, where):
    assert len(BOMB) < 100_000
    message = _refusal(where(library))
    too_large = (
        t(
            "The image is too large: %(w)s × %(h)s pixels; the most is %(max)s megapixels. "
            "Make it smaller and upload it again."
        ).split("%(w)s")[0],
        t(
            "The image is too large: it has more than %(max)s megapixels. Make it smaller and "
            "upload it again."
        ).split("%(max)s")[0],
    )
    assert any(prefix in message for prefix in too_large), message
    assert t("The image is damaged or not an image.") not in message


def _pdf_with_page(width_pt, height_pt) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(width_pt, height_pt)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_huge_pdf_page_is_rendered_at_the_size_asked_not_its_own():
    from sapa.certificates import render

    data = _pdf_with_page(72, 3000)  # 1 inch × 42 inches
    assert len(data) < 1000
    image = render.render_pdf_page(data, 1, (300, 200))
    # Scaled to cover 300 px wide, the whole page was 300 × 12,500 px (at A4 size, 1754 × 73,000).
    assert image.size == (300, 200)
    wide = render.render_pdf_page(_pdf_with_page(3000, 72), 1, (300, 200))
    assert wide.size == (300, 200)


def test_the_design_page_with_a_huge_pdf_page_stays_at_the_pages_pixels(
    admin_client, library, event, monkeypatch
):
    import pypdfium2 as pdfium

    from sapa.certificates import render, services

    rendered = []  # the size of every bitmap PDFium draws (a spy: the real drawing happens)
    real_render = pdfium.PdfPage.render

    def spy(self, *args, **kwargs):
        bitmap = real_render(self, *args, **kwargs)
        rendered.append(bitmap.width * bitmap.height)
        return bitmap

    monkeypatch.setattr(pdfium.PdfPage, "render", spy)
    design = services.create_design(event, name="Sertifikat")
    response = admin_client.post(
        reverse("certificates-design-background", args=[library.slug, event.pk, design.pk]),
        {"file": SimpleUploadedFile("latar.pdf", _pdf_with_page(72, 3000)), "page": 1},
    )
    assert response.status_code == 302
    design.refresh_from_db()
    page = admin_client.get(
        reverse("certificates-design-page", args=[library.slug, event.pk, design.pk])
    )
    assert page.status_code == 200
    with Image.open(io.BytesIO(page.content)) as image:
        assert image.size == render.page_pixels(design)
    width, height = render.page_pixels(design)
    assert rendered and max(rendered) <= width * height * 1.01, rendered  # on main: 1754 × 73,000


def xlsx_bomb(unpacked_mb: int) -> bytes:
    """A real workbook whose sheet XML is padded with spaces to `unpacked_mb` MB (a few hundred KB packed)."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Name (Original Name)", "User Email", "Duration (Minutes)"])
    book.active.append(["Budi", "budi@example.org", 90])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                with target.open(info.filename, "w", force_zip64=True) as fh:
                    fh.write(body)
                    block = b" " * (1024 * 1024)
                    for _ in range(unpacked_mb):
                        fh.write(block)
            else:
                target.writestr(info, body)
    return out.getvalue()


def test_an_xlsx_that_unpacks_to_too_much_is_refused_as_too_large_before_reading(
    staff, library, event
):
    from sapa.attendance.models import ReportImport

    data = xlsx_bomb(120)
    assert len(data) < 1024 * 1024  # under every compressed-size limit
    response = staff.post(
        reverse("attendance-import", args=[library.slug, event.pk]),
        {"file": SimpleUploadedFile("zoom.xlsx", data)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        t(
            "The workbook is too large: it unpacks to %(size)d MB; the most is %(limit)d MB. "
            "Save only the sheet with the participants, or save it as CSV."
        )
        % {"size": 120, "limit": 100}
        in page
    )
    assert not ReportImport.objects.exists()


# --- A refused upload answers 400 with the form again ------------------------------------------


def test_refused_uploads_answer_400_with_the_form(admin_client, admin_user, library, event):
    from sapa.certificates import services as certificates
    from sapa.news import services as news
    from sapa.news.models import Article

    fake = b"<html>not a file of that kind</html>"
    article = Article(library=library, title="Draf", body="Teks")
    news.save_article(article, by=admin_user)
    design = certificates.create_design(event, name="Sertifikat")
    cases = [
        (
            reverse("staff-news-photo-add", args=[library.slug, article.pk]),
            {"image": SimpleUploadedFile("foto.jpg", fake)},
            'name="image"',
        ),
        (
            reverse("certificates-design-background", args=[library.slug, event.pk, design.pk]),
            {"file": SimpleUploadedFile("latar.png", fake), "page": 1},
            'name="page"',
        ),
        (
            reverse("catalogue-upload", args=[library.slug]),
            {
                "file": SimpleUploadedFile("buku.mrc", b"00099nam  2200049   4500" + b"\x00" * 10),
                "format": "iso2709",
            },
            'name="format"',
        ),
        (
            reverse("social-metrics-import", args=[library.slug]),
            {"file": SimpleUploadedFile("meta.csv", fake)},
            'type="file"',
        ),
        (
            reverse("social-media", args=[library.slug]),
            {"file": SimpleUploadedFile("x.jpg", fake), "alt_text": "x"},
            'name="alt_text"',
        ),
        (
            reverse("attendance-import", args=[library.slug, event.pk]),
            {"file": SimpleUploadedFile("zoom.csv", b"%PDF-1.4")},
            'type="file"',
        ),
    ]
    for url, data, field in cases:
        response = admin_client.post(url, data)
        assert response.status_code == 400, url
        assert field in response.content.decode(), url
    assert not article.photos.exists()
    design.refresh_from_db()
    assert not design.background


# --- Issue 11 item 9: primary_color ------------------------------------------------------------


@pytest.mark.parametrize("value", ['"><svg/', "red", "#12345", "#12345g", "#0b5d4b;x"])
def test_a_library_colour_must_be_rrggbb(admin_client, library, value):
    data = {
        "name": library.name,
        "tagline": "",
        "city": "",
        "website": "",
        "email": "",
        "time_zone": "Asia/Jakarta",
        "primary_color": value,
    }
    response = admin_client.post(reverse("library-settings", args=[library.slug]), data)
    assert response.status_code == 400
    assert Library.objects.get(pk=library.pk).primary_color == "#0b5d4b"
    good = admin_client.post(
        reverse("library-settings", args=[library.slug]), {**data, "primary_color": "#AA00ff"}
    )
    assert good.status_code == 302
    assert Library.objects.get(pk=library.pk).primary_color == "#aa00ff"


def test_a_colour_never_leaves_its_attribute_in_svg():
    from sapa.promotion import charts

    hostile = '"/><script>alert(1)</script><x a="'
    chart = charts.pairs("c", "Klik", [("Instagram", 3, 1)], hostile, ["a", "b", "c"], ["x", "y"])
    svg = charts.svg(chart)
    assert "<script" not in svg and "&lt;script&gt;" in svg
    # And the metrics chart takes the library's colour only when it is #RRGGBB.
    assert charts.colour(hostile) == charts.INK and charts.colour("#0b5d4b") == "#0b5d4b"


def test_on_s3_a_public_file_that_is_not_an_image_or_video_is_stored_as_a_download(settings):
    pytest.importorskip("storages")
    from sapa.core.s3 import MediaStorage

    settings.SAPA_S3_PUBLIC_ACL = True
    storage = MediaStorage(bucket_name="sapa-test", region_name="us-east-1")
    html = storage.get_object_parameters("social/2026/05/x.html")
    assert html["ContentType"] == "application/octet-stream"
    assert html["ContentDisposition"] == "attachment"
    image = storage.get_object_parameters(f"social/2026/05/{'a' * 32}.gif")
    assert (
        "ContentDisposition" not in image and image.get("ContentType") != "application/octet-stream"
    )
    private = storage.get_object_parameters(
        "certificates/pdf/1/ABC.pdf"
    )  # signed, shown to its holder
    assert "ContentDisposition" not in private
