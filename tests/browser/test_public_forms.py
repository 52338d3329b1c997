"""Public forms work from the page that shows them, in Chromium (which sends `Origin: null`
with a form posted from a page whose Referrer-Policy is no-referrer), and a refused form
token shows a styled page in the visitor's language, never Django's bare 403.
"""

import pytest
from browser_helpers import assert_accessible, assert_stylesheet_loaded, screenshot
from factories import make_library, make_member
from playwright.sync_api import expect

from sapa.libraries.models import Role
from sapa.social import services, workflow
from sapa.social.models import Network, PostVariant


@pytest.fixture
def post_in_review(transactional_db, settings, live_server):
    settings.BASE_URL = live_server.url
    library = make_library()
    admin = make_member(library, Role.ADMIN, "admin@example.org", name="Admin A")
    channel = services.create_channel(library, network=Network.TELEGRAM, name="Telegram Perpus", by=admin,
                                      account_id="@perpusa", credentials={"bot_token": "1:ABC"})
    post = services.create_post(library, by=admin, title="Sharing session")
    services.add_variant(post, channel, by=admin, text="Ikuti sharing session kami!")
    workflow.submit_for_review(post, by=admin)
    return post


def test_outside_reviewer_approves_from_the_review_link(phone_page, live_server, post_in_review):
    page = phone_page
    url = workflow.review_url(post_in_review)
    response = page.goto(url)
    assert response.headers["referrer-policy"] != "no-referrer"
    page.locator("input[name=name]").fill("Ibu Kepala")
    page.locator("button[name=decision][value=approve]").click()
    page.wait_for_load_state()
    expect(page.locator("main")).not_to_contain_text("CSRF")
    assert PostVariant.objects.get(post=post_in_review).state == "approved"
    assert_accessible(page)


def test_a_stale_form_token_shows_a_styled_page_saying_what_to_do(phone_page, live_server, post_in_review):
    page = phone_page
    page.goto(workflow.review_url(post_in_review))
    page.locator("input[name=name]").fill("Ibu Kepala")
    # The token the page was served with no longer matches (cookie cleared, e.g. another tab logged out).
    page.context.clear_cookies()
    response = None
    with page.expect_navigation() as nav:
        page.locator("button[name=decision][value=approve]").click()
    response = nav.value
    assert response.status == 403
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("h1")).to_have_text("Formulir sudah kedaluwarsa")
    expect(page.locator("main")).to_contain_text("muat ulang")
    assert_stylesheet_loaded(page)
    assert_accessible(page)
    screenshot(page, "csrf-failure")
    assert PostVariant.objects.get(post=post_in_review).state == "in_review"
