"""No visitor sees Django's bare error pages: 403 (and a refused form token), 404 and 500 are
styled pages in the visitor's language that say what to do."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from sapa.urls import urlpatterns as sapa_urls


def _forbidden(request):
    raise PermissionDenied


def _broken(request):
    raise RuntimeError("boom")


urlpatterns = [path("uji/403/", _forbidden), path("uji/500/", _broken), *sapa_urls]


@pytest.fixture
def client_with_errors(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("path, status, title", [
    ("/uji/403/", 403, "Tidak diizinkan"),
    ("/uji/500/", 500, "Terjadi kesalahan"),
    ("/tidak-ada/halaman/", 404, "Halaman tidak ditemukan"),
])
def test_error_pages_are_styled_and_in_indonesian(db, client_with_errors, path, status, title):
    response = client_with_errors.get(path)
    assert response.status_code == status
    html = response.content.decode()
    assert '<html lang="id">' in html and f"<h1>{title}</h1>" in html
    assert "sapa.css" in html


def test_a_refused_form_token_says_reload_and_try_again(db, settings):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="id">' in html and "<h1>Formulir sudah kedaluwarsa</h1>" in html
    assert "muat ulang halaman" in html and "sapa.css" in html
    assert "CSRF" not in html
    client.cookies["django_language"] = "en"
    html = client.post("/i18n/setlang/", {"language": "id"}).content.decode()
    assert "<h1>The form has expired</h1>" in html and "reload the page" in html
