"""/api/v1/docs shows the API in Swagger UI with scripts served by Sapa itself (the CSP allows
no other origin), in Chromium."""

from playwright.sync_api import expect


def test_api_docs_render_from_our_own_static_files(desktop_page, live_server, transactional_db):
    page = desktop_page
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url)
            and not r.url.startswith("data:") else None)
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert response.status == 200
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Sapa API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert not outside, outside
    assert not csp_errors, csp_errors
