"""News on a 360 px phone: a visitor reads a published report (accessible, no sideways
scrolling, no JavaScript needed), answers "Apakah informasi di atas cukup membantu?" with
Tidak, leaves a comment and sees the thanks; staff then see the tally and the comment.

Steps find things by names, values and URLs rather than by translated text.
"""

import pytest
from browser_helpers import (
    assert_accessible,
    assert_no_horizontal_overflow,
    assert_stylesheet_loaded,
    login,
    screenshot,
)
from factories import make_event, make_library, make_member
from playwright.sync_api import expect

from sapa.libraries.models import Role
from sapa.news import services, workflow
from sapa.news.models import Article, HelpfulAnswer


@pytest.fixture
def report(transactional_db, settings, live_server, tmp_path):
    settings.BASE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    library = make_library("balitbangdiklat", "Perpustakaan Balitbangdiklat Kemenag")
    writer = make_member(library, Role.STAFF, "hariyah@example.org", name="Hariyah")
    editor = make_member(library, Role.EDITOR, "dewindah@example.org", name="Dewindah")
    categories = {c.slug: c for c in services.ensure_default_categories(library)}
    article = Article(
        library=library, title="Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi Covid-19",
        summary="Perpustakaan menggelar sharing session secara daring via Zoom meeting.",
        body=("Berkembangnya teknologi informasi dan telekomunikasi berdampak baik bagi perkembangan "
              "pelayanan perpustakaan.\n\n> ”Semoga kegiatan ini dapat memotivasi peserta,” ujar Diar.\n\n"
              "## Narasumber\n\n- **Diar Sunyono**, Kepala Bagian Umum dan Perpustakaan\n"),
        category=categories["terkini"], author=writer, editor=editor, cover_credit="Hariyah")
    services.save_article(article, by=writer, tags="media sosial, literasi")
    workflow.submit_for_review(article, by=writer)
    workflow.approve(article, by=editor)
    workflow.publish(article, by=writer)
    return article


def test_visitor_answers_and_staff_see_the_tally(phone_page, live_server, report, browser):
    page = phone_page
    url = f"{live_server.url}{report.get_absolute_url()}"
    # The library's news list leads to the article.
    page.goto(f"{live_server.url}/{report.library.slug}/berita/")
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    page.locator(f"a[href='{report.get_absolute_url()}']").click()
    page.wait_for_load_state()
    assert page.url == url
    page.goto(url)
    assert_stylesheet_loaded(page)
    assert_no_horizontal_overflow(page)
    expect(page.locator("meta[property='og:type']")).to_have_attribute("content", "article")
    assert page.locator("script").count() == 0
    assert_accessible(page)
    screenshot(page, "news-article-phone")

    page.locator("button[name=answer][value=tidak]").click()
    page.wait_for_load_state()
    thanks = page.locator("#membantu [role=status]")
    expect(thanks).to_be_visible()
    assert page.locator("button[name=answer]").count() == 0
    comment = page.locator("#membantu textarea[name=comment]")
    expect(comment).to_be_visible()
    assert_accessible(page)
    comment.fill("Mohon tambahkan rekaman acara.")
    page.locator("#membantu form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".messages .msg-success")).to_be_visible()
    expect(page.locator("#membantu textarea")).to_have_count(0)
    screenshot(page, "news-helpful-thanks")
    answer = HelpfulAnswer.objects.get()
    assert (answer.helpful, answer.comment) == (False, "Mohon tambahkan rekaman acara.")

    # A second visitor (another browser) answers Ya.
    other = browser.new_context(viewport={"width": 360, "height": 740})
    other_page = other.new_page()
    other_page.goto(url)
    other_page.locator("button[name=answer][value=ya]").click()
    other_page.wait_for_load_state()
    expect(other_page.locator("#membantu [role=status]")).to_be_visible()
    other.close()

    # Staff see the tally on the article's staff page.
    login(page, live_server, "hariyah@example.org")
    page.goto(f"{live_server.url}/staff/{report.library.slug}/news/{report.pk}/")
    tally = page.locator(".tally")
    expect(tally).to_contain_text("1")
    expect(tally.locator("div").nth(0)).to_contain_text("(50%)")
    expect(tally.locator("div").nth(1)).to_contain_text("(50%)")
    expect(page.get_by_text("Mohon tambahkan rekaman acara.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "news-staff-tally")
    page.goto(f"{live_server.url}/staff/{report.library.slug}/news/feedback/")
    expect(page.locator("table")).to_contain_text(report.title)
    assert_accessible(page)


def test_staff_start_a_report_from_an_event_and_an_editor_approves(desktop_page, live_server, report, browser):
    from datetime import timedelta

    from sapa.events.models import Speaker

    library = report.library
    event = make_event(library, starts_at=-timedelta(days=2), meeting_url="https://meet.jit.si/sapa-demo",
                       categories=False)
    Speaker.objects.create(event=event, name="Diar Sunyono", role="Kepala Bagian Umum dan Perpustakaan")
    page = desktop_page
    login(page, live_server, "hariyah@example.org")
    page.goto(f"{live_server.url}/staff/{library.slug}/events/{event.pk}/")
    page.locator(f"a[href='/staff/{library.slug}/events/{event.pk}/report/']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    article = Article.objects.get(event=event)
    assert page.url.endswith(f"/news/{article.pk}/edit/")
    body = page.locator("textarea[name=body]")
    expect(page.locator("textarea[name=summary]")).to_contain_text("melalui Jitsi")
    expect(body).to_contain_text("Diar Sunyono")
    assert_accessible(page)
    screenshot(page, "news-report-draft")
    page.locator("input[name=cover_credit]").fill("Hariyah")
    page.locator("main form button[type=submit].primary").click()
    page.wait_for_load_state()
    page.locator(f"form[action$='/news/{article.pk}/submit/'] button").click()
    page.wait_for_load_state()
    # Staff see no approve button.
    assert page.locator(f"form[action$='/news/{article.pk}/approve/']").count() == 0

    editor_context = browser.new_context(viewport={"width": 1280, "height": 800})
    editor = editor_context.new_page()
    login(editor, live_server, "dewindah@example.org")
    editor.goto(f"{live_server.url}/staff/{library.slug}/news/{article.pk}/")
    editor.locator("textarea[name=comment]").fill("Siap terbit.")
    editor.locator(f"form[action$='/news/{article.pk}/approve/'] button.primary").click()
    editor.wait_for_load_state()
    editor.locator(f"form[action$='/news/{article.pk}/publish/'] button").click()
    editor.wait_for_load_state()
    editor_context.close()
    article.refresh_from_db()
    assert article.state == "published" and article.cover_credit == "Hariyah"
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.locator("h1")).to_have_text(article.title)
