"""The article's body is sanitized (scripts, handlers, foreign images and javascript: links
removed) and uploads are real photos, resized, without EXIF."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from news_helpers import jpeg_upload
from PIL import Image

from sapa.news import services, text
from sapa.news.models import Article

LIB = 7


def test_script_and_event_handlers_are_stripped():
    html = text.render_body(
        'Halo <script>alert("x")</script>\n\n<p onclick="steal()">Teks</p>\n\n'
        '<img src="/media/news/7/gallery/a.jpg" onerror="alert(1)" alt="Foto">\n\n'
        '[klik](javascript:alert(1)) <a href="https://example.org" onmouseover="x()">tautan</a>\n\n'
        '<iframe src="https://evil.example"></iframe><style>body{}</style>', LIB)
    assert "<script" not in html and "alert(\"x\")" not in html
    assert "onclick" not in html and "onerror" not in html and "onmouseover" not in html
    assert "javascript:" not in html and "<iframe" not in html and "<style" not in html
    assert '<img src="/media/news/7/gallery/a.jpg" alt="Foto">' in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">tautan</a>' in html


def test_markdown_subset_is_kept():
    html = text.render_body("## Judul\n\n### Sub\n\n**tebal** *miring*\n\n- satu\n- dua\n\n1. a\n2. b\n\n"
                            "> kutipan\n\n<figure><img src=\"/media/news/7/gallery/b.jpg\" alt=\"b\">"
                            "<figcaption>Foto: Hariyah</figcaption></figure>", LIB)
    for tag in ("<h2>Judul</h2>", "<h3>Sub</h3>", "<strong>tebal</strong>", "<em>miring</em>", "<ul>",
                "<ol>", "<li>", "<blockquote>", "<figure>", "<figcaption>Foto: Hariyah</figcaption>"):
        assert tag in html


def test_images_only_from_the_library_s_own_news_media():
    html = text.render_body('![luar](https://tracker.example/pixel.gif)\n\n'
                            '![lain](/media/news/8/gallery/x.jpg)\n\n![naik](/media/news/7/../8/x.jpg)\n\n'
                            '![milik](/media/news/7/gallery/ok.jpg)', LIB)
    assert "tracker.example" not in html and "/news/8/" not in html
    assert html.count("<img") == 1 and 'src="/media/news/7/gallery/ok.jpg"' in html
    # h1 and tables are not in the subset: their text stays, the tags go.
    assert text.render_body("<h1>Besar</h1><table><tr><td>sel</td></tr></table>", LIB).count("<h1") == 0


def test_photo_is_resized_to_jpeg_without_exif():
    img = Image.new("RGB", (3000, 2000), (10, 20, 30))
    exif = Image.Exif()
    exif[0x010F] = "KameraRahasia"
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    content, name, size = text.process_photo(SimpleUploadedFile("Foto Acara.JPG", out.getvalue()), width=1600)
    assert size == (1600, 1067)
    with Image.open(io.BytesIO(content.read())) as result:
        assert result.format == "JPEG" and result.size == (1600, 1067)
        assert not result.getexif()
    # Stored under a random name: nothing of "Foto Acara", nothing guessable.
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", name)


@pytest.mark.parametrize("upload, message", [
    (SimpleUploadedFile("bukan.jpg", b"%PDF-1.4 not an image"), "not a photo"),
    (SimpleUploadedFile("kecil.png", b""), "not a photo"),
])
def test_not_an_image_is_refused(upload, message):
    with pytest.raises(text.PhotoError) as error:
        text.process_photo(upload, width=1600)
    assert upload.name in str(error.value)


def test_tiny_and_huge_uploads_are_refused():
    with pytest.raises(text.PhotoError):
        text.process_photo(jpeg_upload(size=(50, 50)), width=1600)
    big = SimpleUploadedFile("besar.jpg", b"\xff" * (text.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(text.PhotoError) as error:
        text.process_photo(big, width=1600)
    assert "5 MB" in str(error.value)


@pytest.mark.django_db
def test_body_html_is_stored_sanitized_on_save(library, admin_user):
    article = Article(library=library, title="Uji", body="<script>x()</script>Teks <b onclick=1>aman</b>",
                      author=admin_user)
    services.save_article(article, by=admin_user)
    article.refresh_from_db()
    assert "script" not in article.body_html and "onclick" not in article.body_html
    assert "Teks" in article.body_html
