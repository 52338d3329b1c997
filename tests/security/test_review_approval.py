"""Post approval needs an editor on every path; the author never approves their own post.

Issue 11, item 5: the review link (/review/<token>/) was shown to every staff
member, and approving through it checked no role, so a member below editor
could approve their own post by opening it (logged in, or in a private window).
The link stays for reviewers outside the library, who have no account.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sapa.libraries.models import Role
from sapa.social import services, workflow
from sapa.social.models import Network, VariantState

pytestmark = pytest.mark.django_db
S = VariantState


@pytest.fixture(autouse=True)
def _base_url(settings, tmp_path):
    settings.BASE_URL = "https://sapa.example.id"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(member_client):
    clients = {role: member_client(role) for role in (Role.STAFF, Role.EDITOR)}
    return {role: (client.user, client) for role, client in clients.items()}


def post_in_review(library, author):
    channel = services.create_channel(
        library,
        network=Network.TELEGRAM,
        name="Kanal",
        by=library.memberships.get(role=Role.ADMIN).user,
        credentials={"bot_token": "123:abc"},
        account_id="@perpus",
    )
    post = services.create_post(library, by=author, title="Sharing session")
    services.add_variant(
        post,
        channel,
        by=author,
        text="Ikuti sesi kami",
        scheduled_at=timezone.now() + timedelta(hours=2),
    )
    workflow.submit_for_review(post, by=author)
    post.refresh_from_db()
    return post


def review_path(post):
    return workflow.review_url(post).removeprefix("https://sapa.example.id")


def approved(post) -> bool:
    post.refresh_from_db()
    return post.status == S.APPROVED


def test_staff_member_is_not_shown_the_review_link(library, people):
    staff, client = people[Role.STAFF]
    post = post_in_review(library, staff)
    page = client.get(f"/staff/{library.slug}/social/posts/{post.pk}/").content.decode()
    assert "/review/" not in page
    editor_page = (
        people[Role.EDITOR][1]
        .get(f"/staff/{library.slug}/social/posts/{post.pk}/")
        .content.decode()
    )
    assert review_path(post) in editor_page


def test_staff_member_logged_in_cannot_approve_through_the_link(library, people):
    staff, client = people[Role.STAFF]
    post = post_in_review(library, people[Role.EDITOR][0])  # not even someone else's post
    path = review_path(post)
    page = client.get(path)
    assert page.status_code == 200 and b'value="approve"' not in page.content
    response = client.post(path, {"name": "Saya", "decision": "approve"})
    assert response.status_code == 403
    assert not approved(post)
    client.post(path, {"name": "Saya", "decision": "changes", "comment": "Ganti"})
    post.refresh_from_db()
    assert post.status == S.IN_REVIEW


def test_the_author_cannot_approve_their_own_post_through_the_link_even_as_editor(library, people):
    editor, client = people[Role.EDITOR]
    post = post_in_review(library, editor)
    response = client.post(review_path(post), {"name": "Saya", "decision": "approve"})
    assert response.status_code == 403
    assert not approved(post)


def test_author_below_editor_cannot_approve_on_the_staff_page(library, people):
    staff, client = people[Role.STAFF]
    post = post_in_review(library, staff)
    client.post(f"/staff/{library.slug}/social/posts/{post.pk}/approve/")
    assert not approved(post)


def test_editor_approves_through_the_link_as_themselves(library, people):
    staff, _ = people[Role.STAFF]
    editor, client = people[Role.EDITOR]
    post = post_in_review(library, staff)
    response = client.post(review_path(post), {"name": "Bu Editor", "decision": "approve"})
    assert response.status_code == 200
    assert approved(post) and post.approved_by == editor


def test_outside_reviewer_without_account_still_approves(library, people):
    staff, _ = people[Role.STAFF]
    post = post_in_review(library, staff)
    response = Client().post(review_path(post), {"name": "Ibu Kepala Dinas", "decision": "approve"})
    assert response.status_code == 200
    assert approved(post) and post.approved_by is None
    assert post.approved_by_label.startswith("Ibu Kepala Dinas")


def test_staff_of_another_library_counts_as_an_outside_reviewer(library, people, other_library):
    staff, _ = people[Role.STAFF]
    post = post_in_review(library, staff)
    outsider = Client()
    outsider.force_login(
        other_library.memberships.get().user, backend="sapa.libraries.auth.EmailBackend"
    )
    response = outsider.post(review_path(post), {"name": "Rekan B", "decision": "approve"})
    assert response.status_code == 200 and approved(post)
    assert post.approved_by is None
