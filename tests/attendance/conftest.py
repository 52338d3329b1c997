"""Fixtures of the attendance tests (the helpers are in attendance_helpers.py)."""

import pytest
from attendance_helpers import add_people, make_session, member_client

from sapa.libraries.models import Role


@pytest.fixture
def session(library):
    return make_session(library)


@pytest.fixture
def people(session):
    return add_people(session)


@pytest.fixture
def staff(make_user, library):
    return member_client(make_user, library, Role.STAFF)


@pytest.fixture
def outsider(make_user, other_library):
    """An admin of another library."""
    return member_client(make_user, other_library, Role.ADMIN)
