"""A variant that fails for good is told to the people who can act on it.

When the network refuses a post, or Sapa cannot tell whether it went out ("check by
hand"), the post's creator and the library's editors (and admins) get one email each
through the outbox, after the commit, in their own language, with the network's
reason and a link to the post; the staff's to-do page lists the post until someone
acts. Plain staff who did not write the post are not mailed; a retry that fails again
is told again; the same failure never twice.
"""

from datetime import timedelta

import httpx
import pytest
import respx
from django.urls import reverse

from sapa.libraries.models import Membership, Role
from sapa.mail.models import Email
from sapa.social import publishing, workflow
from sapa.social.models import Network, VariantState

pytestmark = pytest.mark.django_db

MASTO = "https://mastodon.example"
TG = "https://api.telegram.org/bot123456:ABC-DEF"
REFUSAL = "Validation failed: Text character limit of 500 exceeded"


@pytest.fixture
def people(library, make_user, admin_user):
    """The creator (Indonesian), an editor (English), a staff member who did not write the post."""
    creator = make_user("penulis@example.org", language="id", name="Rina")
    editor = make_user("editor@example.org", language="en", name="Budi")
    bystander = make_user("staf@example.org", language="id")
    Membership.objects.create(user=creator, library=library, role=Role.STAFF)
    Membership.objects.create(user=editor, library=library, role=Role.EDITOR)
    Membership.objects.create(user=bystander, library=library, role=Role.STAFF)
    return {"creator": creator, "editor": editor, "bystander": bystander, "admin": admin_user}


@pytest.fixture
def scheduled(library, people, make_channel):
    def make(network=Network.MASTODON, text="Lomba menulis resensi"):
        from sapa.social import services

        channel = make_channel(network)
        post = services.create_post(library, by=people["creator"], title="Lomba resensi")
        variant = services.add_variant(post, channel, by=people["creator"], text=text,
                                       scheduled_at=publishing.timezone.now() + timedelta(minutes=1))
        workflow.submit_for_review(post, by=people["creator"])
        workflow.approve(post, by=people["editor"])
        variant.refresh_from_db()
        workflow.schedule(variant, by=people["creator"])
        variant.refresh_from_db()
        return variant

    return make


def mails():
    return {tuple(m.to): m for m in Email.objects.filter(dedupe_key__startswith="social-failed:")}


def refuse(variant, django_capture_on_commit_callbacks):
    with respx.mock() as router, django_capture_on_commit_callbacks(execute=True):
        router.post(f"{MASTO}/api/v1/statuses").respond(422, json={"error": REFUSAL})
        return publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=1))


def test_refusal_emails_creator_and_editors_each_in_their_language(scheduled, people, library,
                                                                   django_capture_on_commit_callbacks):
    variant = scheduled()
    assert refuse(variant, django_capture_on_commit_callbacks) == VariantState.FAILED
    sent = mails()
    assert set(sent) == {(people["creator"].email,), (people["editor"].email,), (people["admin"].email,)}
    link = "https://sapa.example.id" + reverse("social-post", kwargs={"slug": library.slug,
                                                                       "post_id": variant.post_id})
    for mail in sent.values():
        assert REFUSAL in mail.body_text  # the network's own words
        assert link in mail.body_text
    creator = sent[(people["creator"].email,)]
    assert creator.subject == "Tidak terbit di Mastodon: Lomba resensi"
    assert "Halo Rina," in creator.body_text and "menolaknya" in creator.body_text
    editor = sent[(people["editor"].email,)]
    assert editor.subject == "Not published on Mastodon: Lomba resensi"
    assert "Hello Budi," in editor.body_text and "the network refused it" in editor.body_text


def test_nothing_is_mailed_before_the_commit(scheduled):
    variant = scheduled()
    with respx.mock() as router:
        router.post(f"{MASTO}/api/v1/statuses").respond(422, json={"error": REFUSAL})
        publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=1))
    assert mails() == {}


def test_once_per_failure_and_again_after_a_retry_fails(scheduled, people, django_capture_on_commit_callbacks):
    variant = scheduled()
    refuse(variant, django_capture_on_commit_callbacks)
    assert len(mails()) == 3
    # The same failure told again (a second worker, a repeated job) sends nothing new.
    assert publishing.notify_failure(variant.pk, reason=REFUSAL) == 0
    assert Email.objects.filter(dedupe_key__startswith="social-failed:").count() == 3
    # Someone tries again; refused again: a new round of emails.
    variant.refresh_from_db()
    workflow.retry(variant, by=people["creator"])
    variant.refresh_from_db()
    refuse(variant, django_capture_on_commit_callbacks)
    assert Email.objects.filter(dedupe_key__startswith="social-failed:").count() == 6


def test_check_by_hand_is_told_too(scheduled, people, make_channel, django_capture_on_commit_callbacks):
    variant = scheduled(network=Network.TELEGRAM)
    with respx.mock() as router, django_capture_on_commit_callbacks(execute=True):
        router.post(f"{TG}/sendMessage").mock(side_effect=httpx.ReadTimeout("timed out"))
        assert publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=1)) == "needs_check"
    sent = mails()
    editor = sent[(people["editor"].email,)]
    assert editor.subject == "Check by hand on Telegram channel: Lomba resensi"
    assert "could not tell whether" in editor.body_text and "never appears twice" in editor.body_text
    assert "Telegram's Bot API cannot list a channel's messages." in editor.body_text
    assert sent[(people["creator"].email,)].subject.startswith("Periksa sendiri")


def test_retries_and_reconnects_are_not_failures(scheduled, django_capture_on_commit_callbacks):
    variant = scheduled()
    with respx.mock() as router, django_capture_on_commit_callbacks(execute=True):
        router.post(f"{MASTO}/api/v1/statuses").respond(503, text="Service Unavailable")
        assert publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=1)) == "scheduled"
    assert mails() == {}


def test_the_todo_page_lists_posts_that_did_not_go_out(scheduled, member_client, library,
                                                       django_capture_on_commit_callbacks):
    variant = scheduled()
    refuse(variant, django_capture_on_commit_callbacks)
    page = member_client(Role.STAFF, email="lain@example.org").get(
        reverse("social-todos", kwargs={"slug": library.slug})).content.decode()
    assert reverse("social-post", kwargs={"slug": library.slug, "post_id": variant.post_id}) in page
    assert "Lomba resensi" in page and REFUSAL in page
