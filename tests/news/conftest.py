"""Fixtures of the news tests: staff and editors of a library, articles in each state, images."""

import pytest
from news_helpers import client_for

from sapa.libraries.models import Membership, Role
from sapa.news import services, workflow
from sapa.news.models import Article


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff_user(make_user, library):
    user = make_user("staff@example.org", name="Hariyah")
    Membership.objects.create(user=user, library=library, role=Role.STAFF)
    return user


@pytest.fixture
def editor_user(make_user, library):
    user = make_user("editor@example.org", name="Dewindah")
    Membership.objects.create(user=user, library=library, role=Role.EDITOR)
    return user


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
