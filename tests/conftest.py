"""Fixtures shared by all tests.

- Jobs run immediately (Huey's immediate mode) unless a test drives the queue itself.
- Every email goes through the outbox (sapa.mail); delivery goes to Django's
  locmem backend, so `django.core.mail.outbox` holds what was *sent*.
- `on_commit` callbacks (which queue jobs) only run inside
  `django_capture_on_commit_callbacks(execute=True)` or with `transactional_db`.
"""

import factories
import pytest
from testkit import client_for, smtp_server  # noqa: F401  (a real SMTP server for any test that asks)

from sapa.libraries.models import Role


@pytest.fixture(autouse=True, scope="session")
def _huey_immediate():
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Argon2 (the product's hasher, see tests/core/test_security.py) takes ~0.1 s
    a hash by design; tests hash hundreds of passwords."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _mail_through_outbox(settings):
    settings.EMAIL_BACKEND = "sapa.mail.backends.OutboxBackend"
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from sapa.events import public, structure, views_public

    cache.clear()
    # Per-process caches of the public event page: each test starts cold.
    public.forget_snapshot_all()
    structure._cache.clear()
    views_public._PAGE_CACHE.clear()
    yield


@pytest.fixture
def make_user(db):
    """factories.make_user, with the database."""
    return factories.make_user


@pytest.fixture
def make_library(db):
    """factories.make_library, with the database."""
    return factories.make_library


@pytest.fixture
def admin_user(make_user):
    return make_user("admin@example.org", name="Admin A")


@pytest.fixture
def library(make_library, admin_user):
    return make_library(members=[(admin_user, Role.ADMIN)])


@pytest.fixture
def other_library(make_library, make_user):
    other_admin = make_user("admin-b@example.org", name="Admin B")
    return make_library(slug="perpus-b", name="Perpustakaan B", members=[(other_admin, Role.ADMIN)])


@pytest.fixture
def admin_client(admin_user, library):
    return client_for(admin_user)


@pytest.fixture
def member_client(db, library):
    """A client logged in as a member of `library` with the given role."""

    def make(role=Role.STAFF, email=None):
        return client_for(factories.make_member(library, role, email or f"{role}@example.org"))

    return make
