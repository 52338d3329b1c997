"""A published article's gallery is content: staff below editor cannot change it (issue 11, item 9).

Before, a staff member could add or remove photos of a published article
(the public page changed without review), and a photo added to an approved
or scheduled article kept it approved.
"""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from sapa.libraries.models import Role
from sapa.news import services, workflow
from sapa.news.models import Article, ArticleState, GalleryPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg(name="foto.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 120, 40)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def people(member_client):
    clients = {role: member_client(role) for role in (Role.STAFF, Role.EDITOR)}
    return {role: (client.user, client) for role, client in clients.items()}


def article_in(library, people, state):
    staff, editor = people[Role.STAFF][0], people[Role.EDITOR][0]
    article = Article(
        library=library, title="Sharing session", body="Isi.", summary="Ringkas.", author=staff
    )
    services.save_article(article, by=staff)
    services.add_photo(article, jpeg(), by=staff, caption="Suasana")
    workflow.approve(article, by=editor)
    if state == ArticleState.PUBLISHED:
        workflow.publish(article, by=editor)
    elif state == ArticleState.SCHEDULED:
        workflow.publish(article, by=editor, at=timezone.now() + timedelta(hours=2))
    article.refresh_from_db()
    assert article.state == state
    return article


def urls(library, article):
    base = f"/staff/{library.slug}/news/{article.pk}/photos/"
    photo = article.photos.get()
    return base, f"{base}{photo.pk}/remove/"


def test_staff_cannot_change_a_published_gallery(library, people):
    article = article_in(library, people, ArticleState.PUBLISHED)
    add, remove = urls(library, article)
    staff = people[Role.STAFF][1]
    assert staff.post(add, {"image": jpeg(), "caption": "Tambahan"}).status_code == 404
    assert staff.post(remove).status_code == 404
    assert GalleryPhoto.objects.filter(article=article).count() == 1
    page = staff.get(f"/staff/{library.slug}/news/{article.pk}/").content.decode()
    assert add not in page and remove not in page
    # The rule lives in the service too (any other caller).
    with pytest.raises(PermissionDenied):
        services.add_photo(article, jpeg(), by=people[Role.STAFF][0], caption="x")
    article.refresh_from_db()
    assert article.state == ArticleState.PUBLISHED


def test_editor_may_correct_a_published_gallery(library, people):
    article = article_in(library, people, ArticleState.PUBLISHED)
    add, remove = urls(library, article)
    editor = people[Role.EDITOR][1]
    editor.post(add, {"image": jpeg(), "caption": "Tambahan"})
    editor.post(remove)
    assert list(article.photos.values_list("caption", flat=True)) == ["Tambahan"]
    article.refresh_from_db()
    assert article.state == ArticleState.PUBLISHED


@pytest.mark.parametrize("state", [ArticleState.APPROVED, ArticleState.SCHEDULED])
def test_staff_photo_change_sends_an_approved_article_back_to_draft(library, people, state):
    article = article_in(library, people, state)
    add, _remove = urls(library, article)
    people[Role.STAFF][1].post(add, {"image": jpeg(), "caption": "Tambahan"})
    article.refresh_from_db()
    assert article.state == ArticleState.DRAFT and article.photos.count() == 2
