"""Library settings and staff roles, as an admin uses them."""

from sapa.libraries.models import AuditEntry, Membership, Role


def test_settings_are_saved_and_audited(admin_client, library, admin_user):
    response = admin_client.post(f"/staff/{library.slug}/settings/", {
        "name": "Perpustakaan Baru", "tagline": "", "city": "Bogor", "website": "", "email": "",
        "time_zone": "Asia/Makassar", "primary_color": "#123456",
    })
    assert response.status_code == 302
    library.refresh_from_db()
    assert (library.name, library.city, library.time_zone) == ("Perpustakaan Baru", "Bogor", "Asia/Makassar")
    entry = AuditEntry.objects.get(action="library.updated")
    assert entry.actor == admin_user and entry.library == library
    assert "city" in entry.data["fields"]


def test_admin_changes_a_role(admin_client, member_client, library):
    staff = member_client(Role.STAFF).user
    membership = Membership.objects.get(user=staff, library=library)
    admin_client.post(f"/staff/{library.slug}/staff/{membership.pk}/", {"role": Role.EDITOR})
    membership.refresh_from_db()
    assert membership.role == Role.EDITOR
    entry = AuditEntry.objects.get(action="membership.role_changed")
    assert entry.data == {"old": "staff", "new": "editor"}


def test_last_admin_cannot_step_down_or_be_removed(admin_client, library, admin_user):
    membership = Membership.objects.get(user=admin_user, library=library)
    url = f"/staff/{library.slug}/staff/{membership.pk}/"
    admin_client.cookies["django_language"] = "en"
    response = admin_client.post(url, {"role": Role.STAFF}, follow=True)
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    assert "A library needs at least one admin." in response.content.decode()
    admin_client.post(url, {"action": "remove"})
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_admin_removes_a_member(admin_client, member_client, library):
    staff = member_client(Role.STAFF).user
    membership = Membership.objects.get(user=staff, library=library)
    admin_client.post(f"/staff/{library.slug}/staff/{membership.pk}/", {"action": "remove"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(action="membership.removed", data__email=staff.email).exists()


def test_person_in_two_libraries_chooses(make_user, make_library, client):
    user = make_user("two@example.org")
    a = make_library(slug="perpus-a", name="Perpustakaan A", members=[(user, Role.STAFF)])
    b = make_library(slug="perpus-b", name="Perpustakaan B", members=[(user, Role.EDITOR)])
    client.force_login(user, backend="sapa.libraries.auth.EmailBackend")
    page = client.get("/staff/").content.decode()
    assert f"/staff/{a.slug}/" in page and f"/staff/{b.slug}/" in page
    # The switcher on a library page lists both.
    page = client.get(f"/staff/{a.slug}/").content.decode()
    assert b.name in page
