"""Certificates in a browser: an editor drags the name's box on the design preview and its
coordinates change (then saves them); the numeric fields alone work without JavaScript;
axe on the design page and the public verification page (valid and revoked), on a phone.
"""


import pytest
from browser_helpers import (
    assert_accessible,
    assert_no_horizontal_overflow,
    login,
    screenshot,
)
from factories import ARTICLE_SESSION, make_event, make_library, make_member, make_registration
from playwright.sync_api import expect

from sapa.attendance.services import record_attendance
from sapa.certificates import services
from sapa.certificates.models import Certificate, FieldKey
from sapa.libraries.models import Role


@pytest.fixture
def certs(transactional_db, settings, live_server, tmp_path):
    settings.BASE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    library = make_library()
    make_member(library, Role.EDITOR, "editor@example.org", name="Editor A")
    event = make_event(library, slug="ss-medsos", starts_at=ARTICLE_SESSION, categories=False)
    registration = make_registration(event, "Siti Ñoño Müller", "siti@example.org")
    record_attendance(registration, minutes=120)
    design = services.create_design(event, name="Sertifikat")
    [certificate] = services.issue(design)
    services.render_file(certificate, services.layout(design))
    base = f"{live_server.url}/staff/perpus-a/events/{event.pk}/certificates"
    return {"design": design, "certificate": certificate, "design_url": f"{base}/designs/{design.pk}/"}


def _name_row(design):
    keys = list(design.fields.values_list("key", flat=True))
    return f"id_fields-{keys.index(FieldKey.NAME)}"


def test_editor_drags_the_name_box_and_the_coordinates_follow(certs, live_server, desktop_page):
    page = desktop_page
    design = certs["design"]
    login(page, live_server, "editor@example.org")
    page.goto(certs["design_url"])
    row = _name_row(design)
    box = page.locator(".cert-box[data-key=name]")
    expect(box).to_be_visible()
    assert_accessible(page)
    screenshot(page, "certificates-design-before-drag")
    x_input, y_input = page.locator(f"#{row}-x"), page.locator(f"#{row}-y")
    assert (float(x_input.input_value()), float(y_input.input_value())) == (38.5, 78.0)
    canvas = page.locator("#cert-canvas").bounding_box()
    start = box.bounding_box()
    px_per_mm = canvas["width"] / 297
    # Drag by 20 mm right and 30 mm down, holding the box away from its resize corner.
    sx, sy = start["x"] + 30, start["y"] + start["height"] / 2
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move(sx + 10 * px_per_mm, sy + 15 * px_per_mm, steps=5)
    page.mouse.move(sx + 20 * px_per_mm, sy + 30 * px_per_mm, steps=5)
    page.mouse.up()
    x, y = float(x_input.input_value()), float(y_input.input_value())
    assert abs(x - 58.5) <= 0.6 and abs(y - 108) <= 0.6, (x, y)
    moved = box.bounding_box()
    assert abs(moved["x"] - start["x"] - 20 * px_per_mm) <= 2
    # Typing a number moves the box too.
    x_input.fill("10")
    x_input.dispatch_event("input")
    assert abs(box.bounding_box()["x"] - (canvas["x"] + 10 * px_per_mm)) <= 3
    x_input.fill(str(x))
    x_input.dispatch_event("input")
    # Resize from the corner handle.
    handle = box.locator(".handle").bounding_box()
    hx, hy = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(hx, hy)
    page.mouse.down()
    page.mouse.move(hx - 40 * px_per_mm, hy, steps=5)
    page.mouse.up()
    width = float(page.locator(f"#{row}-width").input_value())
    assert abs(width - 180) <= 0.6, width
    screenshot(page, "certificates-design-after-drag")
    page.locator("#design-form button[type=submit]").click()
    page.wait_for_load_state()
    name = design.fields.get(key=FieldKey.NAME)
    assert abs(float(name.x) - x) < 0.05 and abs(float(name.y) - y) < 0.05 and abs(float(name.width) - width) < 0.05
    expect(page.locator(".msg")).to_contain_text("Desain disimpan.")


def test_keyboard_moves_the_box(certs, live_server, desktop_page):
    page = desktop_page
    login(page, live_server, "editor@example.org")
    page.goto(certs["design_url"])
    row = _name_row(certs["design"])
    box = page.locator(".cert-box[data-key=name]")
    box.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    assert float(page.locator(f"#{row}-x").input_value()) == 40.5
    assert float(page.locator(f"#{row}-y").input_value()) == 77.0


def test_numbers_without_javascript(certs, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    page = context.new_page()
    login(page, live_server, "editor@example.org")
    page.goto(certs["design_url"])
    row = _name_row(certs["design"])
    expect(page.locator(".cert-box[data-key=name]")).to_be_hidden()  # no drag boxes without JS
    page.locator(f"#{row}-x").fill("25.5")
    page.locator(f"#{row}-y").fill("90")
    page.locator("#design-form button[type=submit]").click()
    page.wait_for_load_state()
    name = certs["design"].fields.get(key=FieldKey.NAME)
    assert (float(name.x), float(name.y)) == (25.5, 90.0)
    context.close()


def test_verification_page_is_accessible_and_light(certs, live_server, phone_page):
    page = phone_page
    certificate = certs["certificate"]
    response = page.goto(f"{live_server.url}/v/{certificate.code}/")
    assert response.status == 200
    expect(page.locator(".verdict-valid")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("Siti Ñoño Müller")
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    screenshot(page, "certificates-verify-valid-phone")
    html = len(page.content().encode())
    assert html < 20_000
    services.revoke(Certificate.objects.get(pk=certificate.pk), reason="Data kehadiran keliru")
    page.goto(f"{live_server.url}/v/{certificate.code}/")
    expect(page.locator(".verdict-revoked")).to_contain_text("Data kehadiran keliru")
    assert_accessible(page)
    screenshot(page, "certificates-verify-revoked-phone")
    last = "Z" if certificate.code[-1] != "Z" else "Y"
    missing = page.goto(f"{live_server.url}/v/{certificate.code[:-1]}{last}/")
    assert missing.status == 404
    assert_accessible(page)


def test_the_event_certificates_page_and_a_certificate(certs, live_server, desktop_page):
    page = desktop_page
    login(page, live_server, "editor@example.org")
    certificate = certs["certificate"]
    page.goto(certs["design_url"].split("designs/")[0])
    expect(page.locator("table")).to_contain_text(certificate.number)
    assert_accessible(page)
    screenshot(page, "certificates-event")
    page.locator(f"a:text('{certificate.number}')").click()
    page.wait_for_load_state()
    expect(page.locator("dl.facts")).to_contain_text("Siti Ñoño Müller")
    assert_accessible(page)
    screenshot(page, "certificates-certificate")
