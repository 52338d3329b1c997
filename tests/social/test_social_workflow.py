"""The workflow: allowed transitions, roles, history, scheduling checks, the review link, manual channels."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone, translation
from factories import make_member

from sapa.libraries.models import AuditEntry, Role
from sapa.mail.models import Email
from sapa.social import publishing, services, tasks, workflow
from sapa.social.models import ManualTask, Network, PostRevision, VariantState

pytestmark = pytest.mark.django_db
S = VariantState


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff(db, library):
    return make_member(library, Role.STAFF, "staf@example.org")


@pytest.fixture
def editor(db, library):
    return make_member(library, Role.EDITOR, "editor@example.org")


def test_transition_table_is_the_only_way():
    assert workflow.can_move(S.DRAFT, S.IN_REVIEW)
    assert workflow.can_move(S.PUBLISHING, S.NEEDS_CHECK)
    assert not workflow.can_move(S.DRAFT, S.PUBLISHED)
    assert not workflow.can_move(S.PUBLISHED, S.DRAFT)
    assert not workflow.can_move(S.NEEDS_CHECK, S.PUBLISHING)  # never re-posted blindly
    assert set(workflow.TRANSITIONS) == set(S.values)


def test_review_approve_schedule_unschedule(make_channel, library, staff, editor):
    channel = make_channel(Network.MASTODON)
    post = services.create_post(library, by=staff, title="Sharing session")
    variant = services.add_variant(post, channel, by=staff, text="Ikuti sesi kami",
                                   scheduled_at=timezone.now() + timedelta(hours=1))
    workflow.submit_for_review(post, by=staff)
    variant.refresh_from_db()
    assert variant.state == S.IN_REVIEW and post.status == S.IN_REVIEW
    with pytest.raises(PermissionDenied):
        workflow.approve(post, by=staff)  # staff may not approve
    workflow.approve(post, by=editor, comment="Bagus")
    variant.refresh_from_db()
    assert variant.state == S.APPROVED and post.approved_by == editor
    with mock.patch("sapa.social.tasks.publish_variant.schedule") as queued:
        with pytest.MonkeyPatch.context():
            from django.db import transaction

            with mock.patch.object(transaction, "on_commit", lambda fn: fn()):
                workflow.schedule(variant, by=staff)
    assert queued.call_args.kwargs["eta"] == variant.scheduled_at
    variant.refresh_from_db()
    assert variant.state == S.SCHEDULED
    workflow.unschedule(variant, by=staff)
    variant.refresh_from_db()
    assert variant.state == S.APPROVED
    actions = list(PostRevision.objects.filter(post=post).order_by("created_at", "id")
                   .values_list("action", flat=True))
    assert actions == ["created", "variant_added", "submitted_for_review", "approved", "scheduled",
                       "unscheduled"]
    approved = PostRevision.objects.get(post=post, action="approved")
    assert approved.actor == editor and approved.comment == "Bagus"
    assert approved.snapshot["variants"][0]["state"] == S.APPROVED
    assert AuditEntry.objects.filter(action="social.approved", actor=editor, library=library).exists()


def test_request_changes_needs_a_comment_and_sends_back_to_draft(make_channel, make_variant, editor):
    variant = make_variant(make_channel(Network.X), state="in_review")
    with pytest.raises(ValueError):
        workflow.request_changes(variant.post, by=editor, comment=" ")
    workflow.request_changes(variant.post, by=editor, comment="Tambahkan tanggal acara")
    variant.refresh_from_db()
    assert variant.state == S.DRAFT
    assert variant.post.review_comment == "Tambahkan tanggal acara"


def test_schedule_refuses_with_the_problems(make_channel, make_variant, admin_user):
    variant = make_variant(make_channel(Network.BLUESKY), text="a" * 301, state="approved")
    with pytest.raises(workflow.SchedulingRefused) as refused:
        workflow.schedule(variant, by=admin_user)
    assert [p.code for p in refused.value.problems] == ["text_too_long"]
    assert refused.value.problems[0].message == (
        "Bluesky allows 300 characters; this text has 301. Shorten it by 1.")
    variant.refresh_from_db()
    assert variant.state == S.APPROVED


def test_editing_content_after_approval_needs_approval_again(make_channel, make_variant, admin_user):
    variant = make_variant(make_channel(Network.MASTODON), state="scheduled")
    services.update_variant(variant, by=admin_user, text="Teks baru")
    variant.refresh_from_db()
    assert variant.state == S.DRAFT and variant.text == "Teks baru"
    edit = PostRevision.objects.get(variant=variant, action="variant_edited")
    assert edit.changes["text"] == ["Ikuti sharing session kami!", "Teks baru"]
    assert edit.actor == admin_user


def test_moving_the_time_keeps_it_scheduled(make_channel, make_variant, admin_user):
    variant = make_variant(make_channel(Network.MASTODON), state="scheduled")
    later = timezone.now() + timedelta(days=2)
    services.update_variant(variant, by=admin_user, scheduled_at=later)
    variant.refresh_from_db()
    assert variant.state == S.SCHEDULED and variant.scheduled_at == later
    # The job queued for the old time finds nothing due.
    assert publishing.publish(variant.pk, now=timezone.now() + timedelta(minutes=5)) == "skipped"


def test_two_workers_claim_once(make_channel, make_variant):
    variant = make_variant(make_channel(Network.MASTODON), state="scheduled")
    now = variant.scheduled_at + timedelta(seconds=1)
    assert publishing.claim(variant.pk, now) is True
    assert publishing.claim(variant.pk, now) is False


def test_failed_variant_retry(make_channel, make_variant, admin_user):
    variant = make_variant(make_channel(Network.MASTODON), state="scheduled")
    variant.state = S.PUBLISHING
    variant.save()
    publishing._fail(variant, "Validation failed")
    variant.refresh_from_db()
    old_key = variant.idempotency_key
    assert variant.state == S.FAILED and variant.post.status == S.FAILED
    workflow.retry(variant, by=admin_user)
    variant.refresh_from_db()
    assert variant.state == S.SCHEDULED and variant.attempts == 0
    assert variant.idempotency_key != old_key


def test_needs_check_then_marked_published_by_hand(make_channel, make_variant, admin_user):
    variant = make_variant(make_channel(Network.TELEGRAM), state="scheduled")
    variant.state = S.PUBLISHING
    variant.save()
    publishing._needs_check(variant, "worker stopped")
    variant.refresh_from_db()
    assert variant.state == S.NEEDS_CHECK
    with pytest.raises(ValueError):
        workflow.mark_published_manually(variant, by=admin_user, url="not a url")
    workflow.mark_published_manually(variant, by=admin_user, url="https://t.me/perpusa/42")
    variant.refresh_from_db()
    assert variant.state == S.PUBLISHED and variant.external_url == "https://t.me/perpusa/42"


def test_abandoned_publish_without_idempotency_is_checked_by_hand(make_channel, make_variant):
    variant = make_variant(make_channel(Network.TELEGRAM), state="scheduled")
    now = variant.scheduled_at + timedelta(seconds=1)
    assert publishing.claim(variant.pk, now)
    # The worker died; later the sweep finds the lease expired.
    later = now + timedelta(minutes=11)
    result = tasks.sweep(now=later)
    assert result["reconciled_states"] == [S.NEEDS_CHECK]
    variant.refresh_from_db()
    assert variant.state == S.NEEDS_CHECK


def test_manual_channel_reminder_and_done(make_channel, make_variant, admin_user, fake_media):
    channel = make_channel(Network.YOUTUBE)
    assert channel.is_manual
    video = fake_media(kind="video", fmt="MP4", name="liputan.mp4", alt="")
    variant = make_variant(channel, text="Tonton liputan sharing session", media=[video], state="scheduled")
    now = variant.scheduled_at + timedelta(seconds=1)
    assert publishing.publish(variant.pk, now=now) == S.AWAITING_MANUAL
    assert publishing.publish(variant.pk, now=now) == "skipped"  # once
    task = ManualTask.objects.get(variant=variant)
    assert task.assigned_to == admin_user and task.is_open
    mail = Email.objects.get(dedupe_key__startswith="social-manual:")
    assert "Tonton liputan sharing session" in mail.body_text
    assert "https://sapa.example.id/media/social/liputan.mp4" in mail.body_text
    assert list(services.manual_tasks_for(admin_user, variant.post.library)) == [task]
    variant.refresh_from_db()
    workflow.mark_published_manually(variant, by=admin_user, url="https://youtu.be/abc")
    task.refresh_from_db()
    assert task.done_at and task.done_by == admin_user
    variant.refresh_from_db()
    assert variant.state == S.PUBLISHED and variant.post.status == S.PUBLISHED


# --- The review link -------------------------------------------------------------------------------

def test_review_link_approves_without_an_account(make_channel, make_variant):
    variant = make_variant(make_channel(Network.MASTODON), state="in_review")
    url = workflow.review_url(variant.post)
    assert url.startswith("https://sapa.example.id/review/")
    path = url.removeprefix("https://sapa.example.id")
    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and b"Ikuti sharing session kami!" in page.content
    assert page.headers["Referrer-Policy"] == "same-origin"
    response = client.post(path, {"name": "Ibu Kepala", "decision": "approve", "comment": "Setuju"})
    assert response.status_code == 200
    variant.refresh_from_db()
    assert variant.state == S.APPROVED
    # "(review link)" in the page's language (Indonesian by default).
    assert variant.post.approved_by_label.startswith("Ibu Kepala (")
    revision = PostRevision.objects.get(post=variant.post, action="approved")
    assert revision.actor is None and revision.actor_label == variant.post.approved_by_label
    # The post is no longer in review: the link cannot approve again.
    with pytest.raises(workflow.ReviewLinkInvalid):
        workflow.approve_via_link(path.split("/")[2], reviewer_name="X")


def test_review_link_request_changes(make_channel, make_variant):
    variant = make_variant(make_channel(Network.MASTODON), state="in_review")
    token = workflow.review_token(variant.post)
    client = Client()
    missing = client.post(f"/review/{token}/", {"name": "Pak Editor", "decision": "changes"})
    assert missing.status_code == 400
    client.post(f"/review/{token}/", {"name": "Pak Editor", "decision": "changes", "comment": "Ganti foto"})
    variant.refresh_from_db()
    assert variant.state == S.DRAFT and variant.post.review_comment == "Ganti foto"


def test_review_link_expired(make_channel, make_variant):
    variant = make_variant(make_channel(Network.MASTODON), state="in_review")
    token = workflow.review_token(variant.post)
    with mock.patch("django.core.signing.time.time", return_value=__import__("time").time() + 8 * 86400):
        with pytest.raises(workflow.ReviewLinkInvalid) as invalid:
            workflow.post_for_review_token(token)
        assert invalid.value.reason == "expired"
        assert Client().get(f"/review/{token}/").status_code == 410


def test_review_link_tampered(make_channel, make_variant, other_library):
    variant = make_variant(make_channel(Network.MASTODON), state="in_review")
    token = workflow.review_token(variant.post)
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    with pytest.raises(workflow.ReviewLinkInvalid) as invalid:
        workflow.post_for_review_token(tampered)
    assert invalid.value.reason == "invalid"
    assert Client().get(f"/review/{tampered}/").status_code == 404
    # Signed with another salt (another feature's token) does not open a post either.
    foreign = signing.dumps({"p": variant.post.pk, "n": variant.post.review_nonce}, salt="other")
    with pytest.raises(workflow.ReviewLinkInvalid):
        workflow.post_for_review_token(foreign)


def test_review_link_superseded_by_a_new_round(make_channel, make_variant, admin_user, editor):
    variant = make_variant(make_channel(Network.MASTODON), state="in_review")
    old = workflow.review_token(variant.post)
    workflow.request_changes(variant.post, by=editor, comment="Perbaiki")
    workflow.submit_for_review(variant.post, by=admin_user)
    with pytest.raises(workflow.ReviewLinkInvalid) as invalid:
        workflow.post_for_review_token(old)
    assert invalid.value.reason == "superseded"
    assert workflow.post_for_review_token(workflow.review_token(variant.post)) == variant.post


def test_other_librarys_channel_cannot_be_used(make_channel, library, other_library, admin_user):
    post = services.create_post(library, by=admin_user, title="A")
    from sapa.social.models import Channel

    foreign = Channel.objects.create(library=other_library, network=Network.X, name="B's X")
    with pytest.raises(ValueError):
        services.add_variant(post, foreign, by=admin_user, text="x")
