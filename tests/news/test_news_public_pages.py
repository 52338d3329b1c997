"""Public news pages: only published articles, Open Graph and Twitter card tags with absolute
URLs, credits and Indonesian dates as in the seed article, lists by category and tag, the
library's home section, page weight, and both feeds parsed by feedparser."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import feedparser
import pytest
from django.urls import reverse
from news_helpers import jpeg_upload, t

from sapa.news import services
from sapa.news.models import Article

pytestmark = pytest.mark.django_db


def url(article):
    return reverse("news-article", kwargs={"library_slug": article.library.slug, "slug": article.slug})


def meta(html, prop):
    found = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', html)
    return found.group(1) if found else None


@pytest.fixture
def published(make_article, staff_user, editor_user):
    article = make_article(title="Sharing Session Pengelolaan Media Sosial", state="approved",
                           summary="Perpustakaan menggelar sharing session secara daring.",
                           author_name="Hariyah", editor_name="Dewindah", cover_credit="Hariyah",
                           cover_alt="Peserta sharing session di Zoom", tags="media sosial, literasi")
    services.save_article(article, by=editor_user, cover=jpeg_upload(size=(2400, 1260)),
                          before=services.snapshot(article))
    from sapa.news import workflow

    workflow.publish(article, by=staff_user)
    Article.objects.filter(pk=article.pk).update(
        published_at=datetime(2020, 7, 22, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))
    article.refresh_from_db()
    return article


def test_article_page_shows_credits_and_indonesian_date(client, published):
    html = client.get(url(published)).content.decode()
    assert "<h1>Sharing Session Pengelolaan Media Sosial</h1>" in html
    assert "Rabu, 22 Juli 2020" in html
    assert "Foto: Hariyah" in html
    assert re.search(r"<dt>Penulis</dt><dd>Hariyah</dd>", html)
    assert re.search(r"<dt>Editor</dt><dd>Dewindah</dd>", html)
    assert "Apakah informasi di atas cukup membantu?" in html
    assert "<script" not in html  # works without JavaScript


def test_open_graph_and_twitter_tags_with_absolute_urls(client, published, settings):
    settings.BASE_URL = "https://sapa.perpustakaan.id"
    html = client.get(url(published)).content.decode()
    assert meta(html, "og:type") == "article"
    assert meta(html, "og:title") == published.title
    assert meta(html, "og:description") == published.summary
    assert meta(html, "og:url") == f"https://sapa.perpustakaan.id{url(published)}"
    image = meta(html, "og:image")
    assert image.startswith("https://sapa.perpustakaan.id/media/news/") and image.endswith(".jpg")
    assert meta(html, "article:published_time") == "2020-07-22T09:00:00+07:00"
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "twitter:image") == image
    # The cover was resized on upload: 1600 px wide, not the 2400 px sent.
    assert published.cover.width == 1600


@pytest.mark.parametrize("state", ["draft", "in_review", "approved", "scheduled"])
def test_unpublished_articles_answer_404(client, make_article, state):
    article = make_article(state=state)
    assert client.get(url(article)).status_code == 404
    listing = client.get(reverse("news-list", kwargs={"library_slug": article.library.slug})).content.decode()
    assert article.title not in listing


def test_another_library_s_slug_does_not_open_the_article(client, published, other_library):
    wrong = reverse("news-article", kwargs={"library_slug": other_library.slug, "slug": published.slug})
    assert client.get(wrong).status_code == 404


def test_list_by_category_and_tag_and_pagination(client, make_article, library):
    make_article(title="Kabar Terkini", state="published", tags="literasi")
    make_article(title="Tulisan Opini", state="published", category="opini")
    base = reverse("news-list", kwargs={"library_slug": library.slug})
    html = client.get(base).content.decode()
    assert "Kabar Terkini" in html and "Tulisan Opini" in html
    html = client.get(base + "?kategori=opini").content.decode()
    assert "Tulisan Opini" in html and "Kabar Terkini" not in html
    html = client.get(base + "?tag=literasi").content.decode()
    assert "Kabar Terkini" in html and "Tulisan Opini" not in html
    assert client.get(base + "?kategori=tidak-ada").status_code == 404
    for i in range(11):
        make_article(title=f"Berita {i:02d}", state="published")
    first = client.get(base).content.decode()
    second = client.get(base + "?page=2").content.decode()
    assert first.count('class="card news-item"') == 10
    assert second.count('class="card news-item"') == 3


def test_latest_news_on_the_library_home(client, make_article, library):
    home = reverse("library-public", kwargs={"library_slug": library.slug})
    assert t("Latest news") not in client.get(home).content.decode()
    article = make_article(title="Berita Beranda", state="published")
    make_article(title="Masih Draf")
    html = client.get(home).content.decode()
    assert t("Latest news") in html and "Berita Beranda" in html and "Masih Draf" not in html
    assert f'href="{url(article)}"' in html


def test_page_weight_under_100_kb(client, make_article, settings):
    """The article page plus both stylesheets, as a phone downloads them (uncompressed)."""
    from django.contrib.staticfiles import finders

    article = make_article(state="published", body="Paragraf panjang tentang media sosial. " * 300,
                           tags="satu, dua, tiga")
    html = client.get(url(article)).content
    css = sum(len(open(finders.find(p), "rb").read()) for p in ("sapa/sapa.css", "news/news.css"))
    total = len(html) + css
    listing = client.get(reverse("news-list", kwargs={"library_slug": article.library.slug})).content
    assert len(listing) + css < 100 * 1024
    print(f"article page weight: html={len(html)} css={css} total={total} bytes")
    assert total < 100 * 1024


@pytest.mark.parametrize("feed", ["news-rss", "news-atom"])
def test_feeds_parse_cleanly(client, published, make_article, library, feed):
    make_article(title="Draf Rahasia")
    make_article(title="Opini & <Pendapat>", state="published", category="opini")
    response = client.get(reverse(feed, kwargs={"library_slug": library.slug}))
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    titles = [entry.title for entry in parsed.entries]
    assert set(titles) == {published.title, "Opini & <Pendapat>"}
    entry = next(e for e in parsed.entries if e.title == published.title)
    assert entry.link == f"http://testserver{url(published)}"
    assert entry.published_parsed[:3] == (2020, 7, 22)
    assert {tag.term for tag in entry.tags} >= {"Terkini", "media sosial"}


def test_feed_urls_do_not_clash_with_article_slugs(client, make_article, library):
    article = make_article(title="rss xml", state="published")
    assert article.slug == "rss-xml"
    assert client.get(url(article)).status_code == 200
    rss = client.get(reverse("news-rss", kwargs={"library_slug": library.slug}))
    assert rss["Content-Type"].startswith("application/rss+xml")
