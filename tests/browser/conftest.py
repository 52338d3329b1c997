"""Browser tests: Debian's Chromium driven by Playwright (sync API) against live_server.

- One Chromium per test session; each test gets a fresh context (cookies, storage).
- Without /usr/bin/chromium the tests are skipped, unless SAPA_REQUIRE_BROWSER=1,
  which turns the missing browser into a failure. A browser is never downloaded.
- Fixtures `phone_page` (360×740, touch) and `desktop_page` (1280×800); the
  helpers (`login`, `assert_accessible`, `screenshot`...) are in browser_helpers.py.
"""

import os
from pathlib import Path

import pytest
from browser_helpers import PHONE_WIDTH

# Playwright's sync API keeps an asyncio loop in this thread; Django's ORM would
# refuse to run next to it. The tests only use the ORM synchronously.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent


def _browser_missing_reason():
    if not os.path.exists(CHROMIUM):
        return (f"Debian's Chromium is not installed at {CHROMIUM} "
                "(apt-get install chromium); browser tests need it")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"Playwright for Python is not installed ({exc})"
    return None


def _require_browser():
    return os.environ.get("SAPA_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser is a `browser` test; skip them without Chromium."""
    reason = _browser_missing_reason()
    for item in items:
        if not Path(str(item.path)).resolve().is_relative_to(HERE):
            continue
        item.add_marker(pytest.mark.browser)
        if reason and not _require_browser():
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_report_header(config):
    reason = _browser_missing_reason()
    if reason:
        state = "REQUIRED and MISSING" if _require_browser() else "SKIPPED"
        return f"browser tests: {state}: {reason}"
    return f"browser tests: {CHROMIUM}"


@pytest.fixture(scope="session")
def browser():
    reason = _browser_missing_reason()
    if reason:
        if _require_browser():
            pytest.fail(f"SAPA_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_page(browser, **options):
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return context, page


@pytest.fixture
def phone_page(browser, live_server):
    """A phone: 360×740 CSS pixels, touch, Indonesian browser locale."""
    context, page = _new_page(
        browser,
        viewport={"width": PHONE_WIDTH, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
    )
    yield page
    context.close()
    assert not page.js_errors, f"JavaScript errors: {page.js_errors}"


@pytest.fixture
def desktop_page(browser, live_server):
    context, page = _new_page(browser, viewport={"width": 1280, "height": 800}, locale="id-ID")
    yield page
    context.close()
    assert not page.js_errors, f"JavaScript errors: {page.js_errors}"
