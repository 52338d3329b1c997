"""Fixtures of the news tests: staff and editors of a library, articles in each state, images."""

import pytest
from factories import make_member
from news_helpers import client_for

from sapa.libraries.models import Role
from sapa.news import services, workflow
from sapa.news.models import Article


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff_user(db, library):
    return make_member(library, Role.STAFF, "staff@example.org", name="Hariyah")


@pytest.fixture
def editor_user(db, library):
    return make_member(library, Role.EDITOR, "editor@example.org", name="Dewindah")


@pytest.fixture
def staff_client(staff_user):
    return client_for(staff_user)


@pytest.fixture
def editor_client(editor_user):
    return client_for(editor_user)


@pytest.fixture
def make_article(library, staff_user, editor_user):
    """An article of `library` written by the staff member, moved to `state` through the workflow."""

    def make(title="Sharing Session Media Sosial", *, state="draft", lib=None, body="Isi **berita**.",
             summary="Perpustakaan menggelar sharing session.", category="terkini", tags="", **extra):
        lib = lib or library
        categories = {c.slug: c for c in services.ensure_default_categories(lib)}
        writer = staff_user if lib == library else lib.memberships.first().user
        approver = editor_user if lib == library else writer
        article = Article(library=lib, title=title, body=body, summary=summary,
                          category=categories.get(category), author=writer, **extra)
        services.save_article(article, by=writer, tags=tags)
        if state in ("in_review",):
            workflow.submit_for_review(article, by=writer)
        if state in ("approved", "scheduled", "published"):
            workflow.approve(article, by=approver)
        if state == "published":
            workflow.publish(article, by=approver)
        if state == "scheduled":
            from datetime import timedelta

            from django.utils import timezone

            workflow.publish(article, by=approver, at=timezone.now() + timedelta(hours=2))
        article.refresh_from_db()
        return article

    return make
