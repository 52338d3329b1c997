"""Helpers for the browser tests (import them: `from browser_helpers import login`)."""

import re
from pathlib import Path

import pytest
from factories import PASSWORD  # noqa: F401  (the tests import it from here)

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
PHONE_WIDTH = 360

# axe-core rules: every WCAG 2.x A/AA rule fails a test; best practices only
# when axe rates them serious or critical.
AXE_WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": [*AXE_WCAG_TAGS, "best-practice"]},
    "resultTypes": ["violations"],
}


def login(page, live_server, email, password=PASSWORD):
    """Log in through the login form, as a person would; returns the page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"login as {email} failed: {page.url}"
    return page


def use_english(page, live_server):
    """Choose English the way the language switch does (the language cookie)."""
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def assert_accessible(page, *, context=None):
    """axe-core on the current page: fail listing every violation found."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context, options=AXE_OPTIONS).response
    problems = [
        v for v in results["violations"]
        if set(v["tags"]) & set(AXE_WCAG_TAGS) or v["impact"] in ("serious", "critical")
    ]
    if problems:
        lines = [f"{len(problems)} accessibility violation(s) on {page.url}:"]
        for v in problems:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"][:5]:
                summary = re.sub(r"\s+", " ", node.get("failureSummary") or "")
                lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
                if summary:
                    lines.append(f"      {summary[:300]}")
        pytest.fail("\n".join(lines), pytrace=False)


def assert_no_horizontal_overflow(page, width=PHONE_WIDTH):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        # The culprits: elements sticking out that no scrolling box contains.
        wide = page.evaluate(
            """(w) => [...document.querySelectorAll('body *')].filter(e => {
                 if (e.getBoundingClientRect().right <= w + 0.5) return false;
                 for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                   if (getComputedStyle(p).overflowX !== 'visible') return false;
                 }
                 return true;
               }).slice(0, 8).map(e => e.outerHTML.slice(0, 80)
                   + ' right=' + Math.round(e.getBoundingClientRect().right))""",
            width,
        )
        pytest.fail(f"{page.url} is {scroll_width}px wide at {width}px: {wide}", pytrace=False)


def assert_stylesheet_loaded(page):
    """sapa.css is served by the live server and applied (the header is the brand colour)."""
    colour = page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
    assert colour == "rgb(11, 93, 75)", f"sapa.css not applied on {page.url} (header: {colour})"


def screenshot(page, name, *, full_page=True):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
