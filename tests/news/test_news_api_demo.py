"""The public news API (published articles only) and the demo data (the seed article as the
published report of the demo event, a draft, the categories)."""

import pytest

from sapa.news.models import Article, ArticleState

pytestmark = pytest.mark.django_db


def test_api_lists_published_articles_only(client, make_article, library, settings):
    settings.BASE_URL = "https://sapa.example.id"
    published = make_article(title="Terbit", state="published", tags="literasi", author_name="Hariyah")
    make_article(title="Masih Draf")
    make_article(title="Opini Terbit", state="published", category="opini")
    response = client.get(f"/api/v1/libraries/{library.slug}/news")
    assert response.status_code == 200
    data = response.json()
    assert {a["title"] for a in data} == {"Terbit", "Opini Terbit"}
    item = next(a for a in data if a["title"] == "Terbit")
    assert item["url"] == f"https://sapa.example.id/{library.slug}/berita/{published.slug}"
    assert item["tags"] == ["literasi"] and item["category"] == "Terkini" and item["author"] == "Hariyah"
    only_opini = client.get(f"/api/v1/libraries/{library.slug}/news?category=opini").json()
    assert [a["title"] for a in only_opini] == ["Opini Terbit"]
    detail = client.get(f"/api/v1/libraries/{library.slug}/news/{published.slug}").json()
    assert detail["body_html"] == "<p>Isi <strong>berita</strong>.</p>"
    draft = Article.objects.get(title="Masih Draf")
    assert client.get(f"/api/v1/libraries/{library.slug}/news/{draft.slug}").status_code == 404
    assert client.get("/api/v1/libraries/tidak-ada/news").status_code == 404


def test_demo_publishes_the_seed_article_as_the_event_report(client, library, admin_user, settings, tmp_path):
    from django.apps import apps

    from sapa.events.demo import load_demo as load_events

    event = load_events(library, admin_user)
    config = apps.get_app_config("news")
    config.load_demo(library, admin_user)
    config.load_demo(library, admin_user)  # safe to run twice
    report = Article.objects.get(state=ArticleState.PUBLISHED)
    assert report.event == event and report.category.name == "Terkini"
    assert report.author_label == "Hariyah" and report.editor_label == admin_user.display_name
    assert report.cover and report.cover_credit == "Hariyah"
    draft = Article.objects.get(state=ArticleState.DRAFT)
    assert draft.category.name == "Pengumuman"
    assert Article.objects.count() == 2
    html = client.get(report.get_absolute_url()).content.decode()
    assert "ujar Diar." in html and "<blockquote>" in html and "Foto: Hariyah" in html
    assert "Apakah informasi di atas cukup membantu?" in html
    assert report.title in client.get(f"/{library.slug}/").content.decode()
