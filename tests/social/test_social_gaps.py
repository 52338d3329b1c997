"""Gaps of the social staff UI: "crop/resize for <network>" on the post page, and the pages
of hashtag sets and post templates (editors and admins, scoped to the library, audited)."""

import pytest
from django.test import Client
from django.urls import reverse

from sapa.libraries.models import AuditEntry, Membership, Role
from sapa.social.models import HashtagSet, MediaItem, Network, PostTemplate
from sapa.social.validation import LIMITS, check_image, errors

pytestmark = pytest.mark.django_db


def url(name, library, **kwargs):
    return reverse(name, kwargs={"slug": library.slug, **kwargs})


@pytest.fixture
def instagram(make_channel):
    return make_channel(Network.INSTAGRAM, name="Instagram Perpus")


@pytest.fixture
def tall_variant(make_variant, make_image, instagram):
    """An Instagram draft whose image is 1:3 (Instagram accepts 4:5 to 1.91:1)."""
    item = make_image(600, 1800, alt="Rak buku baru")
    return make_variant(instagram, media=[item])


def other_admin_client(other_library):
    client = Client()
    client.force_login(Membership.objects.get(library=other_library).user,
                       backend="sapa.libraries.auth.EmailBackend")
    return client


# --- Crop / resize ------------------------------------------------------------------------------

def test_post_page_offers_the_crop_only_where_an_image_fails(member_client, library, tall_variant,
                                                            make_variant, make_image, instagram):
    client = member_client(Role.STAFF)
    fit_url = url("social-variant-fit", library, variant_id=tall_variant.pk)
    assert fit_url in client.get(url("social-post", library, post_id=tall_variant.post_id)).content.decode()
    fine = make_variant(instagram, media=[make_image(1080, 1080)])
    page = client.get(url("social-post", library, post_id=fine.post_id)).content.decode()
    assert url("social-variant-fit", library, variant_id=fine.pk) not in page


@pytest.mark.parametrize("role", [Role.STAFF, Role.EDITOR, Role.ADMIN])
def test_crop_swaps_in_a_valid_image(member_client, library, tall_variant, role):
    client = member_client(role, email=f"{role}-member@example.org")
    original = tall_variant.ordered_media()[0]
    assert any(p.code == "image_ratio" for p in check_image(original, Network.INSTAGRAM, LIMITS[Network.INSTAGRAM]))
    response = client.post(url("social-variant-fit", library, variant_id=tall_variant.pk))
    assert response.status_code == 302
    assert response["Location"] == url("social-post", library, post_id=tall_variant.post_id)
    tall_variant.refresh_from_db()
    [new] = tall_variant.ordered_media()
    assert new.pk != original.pk
    assert new.derived_from_id == original.pk and new.library_id == library.id
    assert new.alt_text == "Rak buku baru"
    assert 4 / 5 - 0.005 <= new.width / new.height <= 1.91 + 0.005
    assert errors(check_image(new, Network.INSTAGRAM, LIMITS[Network.INSTAGRAM])) == []
    # the original stays in the library
    assert MediaItem.objects.filter(pk=original.pk, library=library).exists()
    revision = tall_variant.post.revisions.filter(action="variant_edited", variant=tall_variant).get()
    assert revision.changes["media"] == [[original.pk], [new.pk]]
    assert revision.actor == client.user
    assert AuditEntry.objects.filter(action="social.media_fitted", library=library, object_id=str(new.pk)).exists()
    page = client.get(response["Location"]).content.decode()
    assert url("social-variant-fit", library, variant_id=tall_variant.pk) not in page


def test_crop_with_nothing_to_fit_changes_nothing(member_client, library, make_variant, make_image, instagram):
    client = member_client(Role.EDITOR)
    variant = make_variant(instagram, media=[make_image(1080, 1080)])
    before = MediaItem.objects.count()
    response = client.post(url("social-variant-fit", library, variant_id=variant.pk))
    assert response.status_code == 302
    assert MediaItem.objects.count() == before
    assert not variant.post.revisions.filter(action="variant_edited").exists()


def test_crop_of_another_librarys_variant_is_404(library, other_library, tall_variant):
    client = other_admin_client(other_library)
    before = MediaItem.objects.count()
    for lib in (library, other_library):
        target = url("social-variant-fit", lib, variant_id=tall_variant.pk)
        assert client.post(target).status_code == 404
    assert MediaItem.objects.count() == before


def test_crop_needs_a_login(client, library, tall_variant):
    response = client.post(url("social-variant-fit", library, variant_id=tall_variant.pk))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- Hashtag sets and post templates -------------------------------------------------------------

def test_nav_links_for_editors_only(member_client, library):
    editor_page = member_client(Role.EDITOR).get(url("social-calendar", library)).content.decode()
    assert url("social-hashtags", library) in editor_page
    assert url("social-templates", library) in editor_page
    staff_page = member_client(Role.STAFF).get(url("social-calendar", library)).content.decode()
    assert url("social-hashtags", library) not in staff_page
    assert url("social-templates", library) not in staff_page


def test_staff_cannot_manage_hashtags_or_templates(member_client, library):
    tags = HashtagSet.objects.create(library=library, name="Literasi", hashtags="#literasi")
    template = PostTemplate.objects.create(library=library, name="Acara", text="{event_title}")
    client = member_client(Role.STAFF)
    for name, kwargs in [("social-hashtags", {}), ("social-hashtag-create", {}),
                         ("social-hashtag-edit", {"object_id": tags.pk}), ("social-templates", {}),
                         ("social-template-create", {}), ("social-template-edit", {"object_id": template.pk})]:
        assert client.get(url(name, library, **kwargs)).status_code == 404, name
    assert client.post(url("social-hashtag-delete", library, object_id=tags.pk)).status_code == 404
    assert client.post(url("social-template-delete", library, object_id=template.pk)).status_code == 404
    assert client.get(url("social-hashtag-delete", library, object_id=tags.pk)).status_code == 404
    assert HashtagSet.objects.filter(pk=tags.pk).exists() and PostTemplate.objects.filter(pk=template.pk).exists()


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMIN])
def test_hashtag_set_crud(member_client, library, role):
    client = member_client(role, email=f"{role}-member@example.org")
    assert client.get(url("social-hashtags", library)).status_code == 200
    assert client.get(url("social-hashtag-create", library)).status_code == 200
    assert client.post(url("social-hashtag-create", library), {"name": "", "hashtags": ""}).status_code == 400
    response = client.post(url("social-hashtag-create", library),
                           {"name": "Literasi", "hashtags": "literasi #PerpustakaanDigital"})
    assert response.status_code == 302 and response["Location"] == url("social-hashtags", library)
    tags = HashtagSet.objects.get(library=library, name="Literasi")
    assert tags.as_text() == "#literasi #PerpustakaanDigital"
    assert "#PerpustakaanDigital" in client.get(url("social-hashtags", library)).content.decode()
    edit = url("social-hashtag-edit", library, object_id=tags.pk)
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"name": "Literasi Indonesia", "hashtags": "#literasi"}).status_code == 302
    tags.refresh_from_db()
    assert tags.name == "Literasi Indonesia" and tags.library_id == library.id
    assert client.post(url("social-hashtag-delete", library, object_id=tags.pk)).status_code == 302
    assert not HashtagSet.objects.filter(pk=tags.pk).exists()
    actions = set(AuditEntry.objects.filter(library=library, object_id=str(tags.pk)).values_list("action", flat=True))
    assert actions == {"social.hashtag_set_created", "social.hashtag_set_changed", "social.hashtag_set_deleted"}


def test_post_template_crud(member_client, library, other_library):
    client = member_client(Role.EDITOR)
    tags = HashtagSet.objects.create(library=library, name="Literasi", hashtags="#literasi")
    foreign = HashtagSet.objects.create(library=other_library, name="Asing", hashtags="#asing")
    form_page = client.get(url("social-template-create", library)).content.decode()
    assert "Literasi" in form_page and "Asing" not in form_page
    # another library's hashtag set cannot be chosen
    response = client.post(url("social-template-create", library),
                           {"name": "Acara", "network": "", "text": "Ikuti {event_title}", "hashtag_set": foreign.pk})
    assert response.status_code == 400
    assert not PostTemplate.objects.exists()
    response = client.post(url("social-template-create", library), {
        "name": "Acara", "network": Network.INSTAGRAM, "text": "Ikuti {event_title}", "hashtag_set": tags.pk})
    assert response.status_code == 302
    template = PostTemplate.objects.get(library=library)
    assert template.hashtag_set == tags and template.network == Network.INSTAGRAM
    assert "Acara" in client.get(url("social-templates", library)).content.decode()
    edit = url("social-template-edit", library, object_id=template.pk)
    assert client.post(edit, {"name": "Acara umum", "network": "", "text": "Ayo {event_title}",
                              "hashtag_set": ""}).status_code == 302
    template.refresh_from_db()
    assert (template.name, template.network, template.hashtag_set) == ("Acara umum", "", None)
    assert client.post(url("social-template-delete", library, object_id=template.pk)).status_code == 302
    assert not PostTemplate.objects.filter(pk=template.pk).exists()
    actions = set(AuditEntry.objects.filter(library=library, object_id=str(template.pk))
                  .values_list("action", flat=True))
    assert actions == {"social.post_template_created", "social.post_template_changed",
                       "social.post_template_deleted"}


def test_delete_asks_first_and_get_changes_nothing(member_client, library):
    """The list's Delete is a link to a confirmation page (no JavaScript); only its POST deletes."""
    tags = HashtagSet.objects.create(library=library, name="Literasi", hashtags="#literasi")
    template = PostTemplate.objects.create(library=library, name="Acara", text="Ikuti {event_title}",
                                           hashtag_set=tags)
    client = member_client(Role.EDITOR)
    delete = url("social-hashtag-delete", library, object_id=tags.pk)
    listing = client.get(url("social-hashtags", library)).content.decode()
    assert f'href="{delete}"' in listing
    assert f'action="{delete}"' not in listing  # no one-click delete form on the list
    page = client.get(delete)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Literasi" in body and "#literasi" in body
    assert "Acara" in body  # the templates that use the set are named
    assert 'method="post"' in body and url("social-hashtags", library) in body
    assert HashtagSet.objects.filter(pk=tags.pk).exists()
    assert not AuditEntry.objects.filter(action="social.hashtag_set_deleted").exists()
    response = client.post(delete)
    assert response.status_code == 302 and response["Location"] == url("social-hashtags", library)
    assert not HashtagSet.objects.filter(pk=tags.pk).exists()
    template.refresh_from_db()
    assert template.hashtag_set is None and template.text == "Ikuti {event_title}"
    entry = AuditEntry.objects.get(action="social.hashtag_set_deleted", object_id=str(tags.pk))
    assert entry.library_id == library.id and entry.actor_id == client.user.pk

    delete = url("social-template-delete", library, object_id=template.pk)
    assert "Ikuti {event_title}" in client.get(delete).content.decode()
    assert PostTemplate.objects.filter(pk=template.pk).exists()
    assert client.post(delete).status_code == 302
    assert not PostTemplate.objects.filter(pk=template.pk).exists()
    assert AuditEntry.objects.filter(action="social.post_template_deleted", object_id=str(template.pk)).exists()


def test_delete_confirmation_is_in_indonesian(member_client, library):
    from django.utils import translation

    tags = HashtagSet.objects.create(library=library, name="Literasi", hashtags="#literasi")
    client = member_client(Role.EDITOR)
    body = client.get(url("social-hashtag-delete", library, object_id=tags.pk),
                      HTTP_ACCEPT_LANGUAGE="id").content.decode()
    with translation.override("id"):
        question = translation.gettext("Delete the hashtag set “%(name)s”?") % {"name": "Literasi"}
    assert question != "Delete the hashtag set “Literasi”?"
    import html

    assert html.escape(question) in body or question in body


def test_another_librarys_hashtags_and_templates_are_404(member_client, library, other_library):
    tags = HashtagSet.objects.create(library=other_library, name="Asing", hashtags="#asing")
    template = PostTemplate.objects.create(library=other_library, name="Asing", text="x")
    client = member_client(Role.ADMIN, email="admin-member@example.org")
    assert "Asing" not in client.get(url("social-hashtags", library)).content.decode()
    assert "Asing" not in client.get(url("social-templates", library)).content.decode()
    for lib in (library, other_library):
        assert client.get(url("social-hashtag-edit", lib, object_id=tags.pk)).status_code == 404
        assert client.post(url("social-hashtag-edit", lib, object_id=tags.pk),
                           {"name": "X", "hashtags": "#x"}).status_code == 404
        assert client.post(url("social-hashtag-delete", lib, object_id=tags.pk)).status_code == 404
        assert client.get(url("social-hashtag-delete", lib, object_id=tags.pk)).status_code == 404
        assert client.get(url("social-template-delete", lib, object_id=template.pk)).status_code == 404
        assert client.get(url("social-template-edit", lib, object_id=template.pk)).status_code == 404
        assert client.post(url("social-template-delete", lib, object_id=template.pk)).status_code == 404
    tags.refresh_from_db()
    assert tags.name == "Asing" and PostTemplate.objects.filter(pk=template.pk).exists()
