"""Indonesian by default, whatever the browser says; English with the switch."""

from django.test import Client
from factories import PASSWORD


def test_indonesian_by_default_even_for_an_english_browser(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    response = client.get("/accounts/login/")
    page = response.content.decode()
    assert '<html lang="id">' in page
    assert response["Content-Language"] == "id"
    assert "Masuk" in page
    assert "Log in to Sapa" not in page
    assert "Cookie" in response["Vary"]


def test_switch_to_english_and_back(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="id")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    response = client.get("/accounts/login/")
    page = response.content.decode()
    assert '<html lang="en">' in page and response["Content-Language"] == "en"
    assert "Log in to Sapa" in page
    # The switch offers the way back.
    assert 'value="id"' in page and "Bahasa Indonesia" in page

    client.post("/i18n/setlang/", {"language": "id", "next": "/accounts/login/"})
    response = client.get("/accounts/login/")
    assert '<html lang="id">' in response.content.decode()
    assert "Log in to Sapa" not in response.content.decode()


def test_unknown_language_falls_back_to_indonesian(db):
    client = Client()
    client.cookies["django_language"] = "fr"
    response = client.get("/accounts/login/")
    assert response["Content-Language"] == "id"


def test_staff_pages_follow_the_switch(admin_client, library):
    page = admin_client.get(f"/staff/{library.slug}/").content.decode()
    assert '<html lang="id">' in page and "Log out" not in page
    admin_client.post("/i18n/setlang/", {"language": "en"})
    page = admin_client.get(f"/staff/{library.slug}/").content.decode()
    assert '<html lang="en">' in page and "Log out" in page


def test_staff_language_choice_is_remembered_at_the_next_login(make_user, db):
    user = make_user("lang@example.org")
    client = Client()
    client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    user.refresh_from_db()
    assert user.language == "en"

    # Another device: no language cookie yet; logging in brings English back.
    other = Client()
    response = other.post("/accounts/login/", {"email": user.email, "password": PASSWORD}, follow=True)
    assert '<html lang="en">' in response.content.decode()
