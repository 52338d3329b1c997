"""`sapa create_library`: the way an operator adds a library (Django's admin is off by default)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sapa.libraries.models import RESERVED_SLUGS, Library, Membership, Role, User


@pytest.mark.django_db
def test_create_library_with_a_new_admin():
    call_command("create_library", "perpus-kota", "Perpustakaan Kota", admin="Kepala@Perpus.test")
    library = Library.objects.get(slug="perpus-kota")
    membership = Membership.objects.get(library=library)
    assert membership.role == Role.ADMIN and membership.user.email == "Kepala@perpus.test"
    assert not membership.user.has_usable_password()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS - {"favicon.ico", "robots.txt"}))
def test_a_library_cannot_take_one_of_sapas_own_addresses(slug):
    with pytest.raises(CommandError, match="Sapa"):
        call_command("create_library", slug, "Perpustakaan", admin="a@perpus.test")
    assert not Library.objects.filter(slug=slug).exists()
    assert not User.objects.filter(email="a@perpus.test").exists()


@pytest.mark.django_db
def test_a_taken_or_malformed_address_is_refused():
    call_command("create_library", "perpus-a", "Perpustakaan A", admin="a@perpus.test")
    for slug in ("perpus-a", "Perpus A", "-x"):
        with pytest.raises(CommandError):
            call_command("create_library", slug, "Lain", admin="b@perpus.test")
    assert Library.objects.count() == 1
