"""Staff pages: search, draft posts from chosen titles, sources, and 404 across libraries."""

import pytest
from django.urls import reverse
from django.utils import timezone

from sapa.catalogue.models import Acquisition, CatalogueSource, ImportRun, SourceKind
from sapa.libraries.models import AuditEntry, Role
from sapa.social.models import Channel, Network, Post, PostTemplate, VariantState


def acquisition(library, n, **extra):
    values = {"title": f"Judul {n}", "authors": "Tere Liye", "year": "2023", "call_number": f"899.221 TER {n}",
              "added_at": timezone.now()}
    values.update(extra)
    return Acquisition.objects.create(library=library, identifier=f"id:{n}", **values)


@pytest.mark.django_db
def test_list_and_search(admin_client, library, other_library):
    acquisition(library, 1, title="Laskar Pelangi", authors="Andrea Hirata")
    acquisition(library, 2, title="Bumi", authors="Tere Liye")
    acquisition(other_library, 3, title="Laskar Rahasia")
    url = reverse("catalogue-acquisitions", args=[library.slug])
    page = admin_client.get(url, {"q": "laskar"}).content.decode()
    assert "Laskar Pelangi" in page and "Bumi" not in page and "Laskar Rahasia" not in page
    assert "Koleksi baru" in admin_client.get(reverse("library-dashboard", args=[library.slug])).content.decode()


@pytest.mark.django_db
def test_draft_posts_from_chosen_titles(member_client, library):
    client = member_client(Role.STAFF)
    chosen = acquisition(library, 1, title="Laut Bercerita", authors="Leila S. Chudori", year="2017",
                         call_number="899.221 CHU l", cover_url="https://opac.example.id/sampul/1.jpg")
    acquisition(library, 2)
    template = PostTemplate.objects.create(
        library=library, name="Buku baru",
        text="Baru di rak: {title} karya {author} ({year}). Nomor panggil {call_number}. {event_title}")
    channels = [Channel.objects.create(library=library, network=Network.MASTODON, name="Masto", manual=True),
                Channel.objects.create(library=library, network=Network.TELEGRAM, name="Tg", manual=True)]
    url = reverse("catalogue-draft-posts", args=[library.slug])
    page = client.get(url, {"a": [chosen.pk]}).content.decode()
    assert "Laut Bercerita" in page and "Judul 2" not in page

    response = client.post(url, {"acquisitions": [chosen.pk], "template": template.pk,
                                 "channels": [c.pk for c in channels]})
    assert response.status_code == 302
    post = Post.objects.get(library=library)
    assert post.title == "Laut Bercerita"
    assert post.status == VariantState.DRAFT
    assert post.created_by == client.user
    variants = list(post.variants.order_by("channel__name"))
    assert len(variants) == 2
    assert variants[0].text == ("Baru di rak: Laut Bercerita karya Leila S. Chudori (2017). "
                                "Nomor panggil 899.221 CHU l. {event_title}")
    assert variants[0].link == "https://opac.example.id/sampul/1.jpg"
    assert post.revisions.exists()
    assert AuditEntry.objects.filter(library=library, action="catalogue.posts_created").exists()


@pytest.mark.django_db
def test_another_librarys_objects_answer_404(admin_client, library, other_library):
    source = CatalogueSource.objects.create(library=other_library, name="B", kind=SourceKind.OAI_PMH,
                                            base_url="http://127.0.0.1:9/oai", metadata_prefix="oai_dc")
    run = ImportRun.objects.create(library=other_library, source=source, kind=SourceKind.OAI_PMH)
    slug = library.slug
    assert admin_client.get(reverse("catalogue-source-edit", args=[slug, source.pk])).status_code == 404
    assert admin_client.post(reverse("catalogue-source-harvest", args=[slug, source.pk])).status_code == 404
    assert admin_client.get(reverse("catalogue-run", args=[slug, run.pk])).status_code == 404
    assert admin_client.get(reverse("catalogue-acquisitions", args=[other_library.slug])).status_code == 404
    assert not ImportRun.objects.filter(library=library).exists()

    # Another library's title or template cannot be slipped into the draft-posts form.
    theirs = acquisition(other_library, 9)
    template = PostTemplate.objects.create(library=other_library, name="T", text="{title}")
    channel = Channel.objects.create(library=library, network=Network.MASTODON, name="M", manual=True)
    response = admin_client.post(reverse("catalogue-draft-posts", args=[slug]), {
        "acquisitions": [theirs.pk], "template": template.pk, "channels": [channel.pk]})
    assert response.status_code == 200
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_sources_are_added_by_editors(member_client, library):
    staff = member_client(Role.STAFF)
    assert staff.get(reverse("catalogue-source-create", args=[library.slug])).status_code == 404
    editor = member_client(Role.EDITOR, email="editor@example.org")
    url = reverse("catalogue-source-create", args=[library.slug])
    response = editor.post(url, {"name": "Koha", "kind": "oai_pmh", "base_url": "", "metadata_prefix": "marcxml"})
    assert response.status_code == 200
    assert not CatalogueSource.objects.exists()
    response = editor.post(url, {"name": "Koha", "kind": "oai_pmh", "metadata_prefix": "marcxml",
                                 "base_url": "https://koha.example.id/cgi-bin/koha/oai.pl", "nightly": "on"})
    assert response.status_code == 302
    source = CatalogueSource.objects.get(library=library)
    assert source.metadata_prefix == "marcxml"
    assert AuditEntry.objects.filter(library=library, action="catalogue.source_created").exists()
