"""The post workflow: which state may follow which, and one service function per step.

    draft → in_review → approved → scheduled → publishing → published
                                                         ↘ failed | needs_check
    (manual channels: scheduled → awaiting_manual → published)

`TRANSITIONS` is the one list of allowed moves of a variant. Every move goes
through `_move()`, a conditional UPDATE on the state the caller saw (two
people, or a person and the worker, cannot both move the same variant), and
is recorded as a PostRevision and an audit entry.

Approval is per post (an editor approves what all channels will say);
scheduling is per variant (each channel has its own time), and
`schedule_post()` schedules all approved variants at once.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from sapa.core.states import InvalidTransition
from sapa.core.states import can_move as _can_move
from sapa.core.states import move as _move_state
from sapa.libraries.models import Membership, Role
from sapa.libraries.tenancy import require_role
from sapa.social.history import record_change
from sapa.social.models import ManualTask, Post, PostVariant, VariantState
from sapa.social.status import sync_post_status
from sapa.social.tasks import queue_publish
from sapa.social.validation import Problem, errors, validate_variant

S = VariantState

TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.IN_REVIEW, S.APPROVED},
    S.IN_REVIEW: {S.APPROVED, S.DRAFT},
    S.APPROVED: {S.SCHEDULED, S.DRAFT, S.IN_REVIEW},
    S.SCHEDULED: {S.SCHEDULED, S.PUBLISHING, S.AWAITING_MANUAL, S.APPROVED, S.DRAFT},
    S.PUBLISHING: {S.PUBLISHED, S.FAILED, S.NEEDS_CHECK, S.SCHEDULED},
    S.AWAITING_MANUAL: {S.PUBLISHED, S.APPROVED},
    S.FAILED: {S.SCHEDULED, S.DRAFT, S.PUBLISHED},
    S.NEEDS_CHECK: {S.PUBLISHED, S.SCHEDULED},
    S.PUBLISHED: set(),
}


def can_move(state: str, to: str) -> bool:
    return _can_move(TRANSITIONS, state, to)


def _move(variant: PostVariant, to: str, **fields) -> PostVariant:
    """Move one variant from the state it is in (as loaded) to `to` (`sapa.core.states.move`)."""
    return _move_state(variant, to, TRANSITIONS, **fields)


# States in which a variant's content may still be edited (editing sends it back to draft).
EDITABLE = {S.DRAFT, S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.FAILED}

# States in which a variant may be moved in the calendar (services.move_variant).
MOVABLE = {S.DRAFT, S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.FAILED}

REVIEW_SALT = "sapa.social.review"


class SchedulingRefused(Exception):
    """The variant does not pass its network's checks; `problems` says what to change."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class MoveRefused(Exception):
    """A calendar move that cannot be done; the message says why, for the person who tried."""


class ReviewLinkInvalid(Exception):
    """The review link is expired, altered, or no longer for this review round."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "expired", "invalid", "superseded", "not_in_review"


# --- Review ----------------------------------------------------------------------------------

def submit_for_review(post: Post, *, by, request=None) -> Post:
    """Staff send a post to the editors. Every draft variant goes to "in review".

    A new review round starts: older review links stop working.
    """
    require_role(by, post.library, Role.STAFF)
    with transaction.atomic():
        variants = list(post.variants.select_related("channel").filter(state=S.DRAFT))
        if not variants:
            raise InvalidTransition("no draft variant to review")
        for variant in variants:
            _move(variant, S.IN_REVIEW)
        post.review_nonce = secrets.token_hex(16)
        post.review_comment = ""
        Post.objects.filter(pk=post.pk).update(review_nonce=post.review_nonce, review_comment="")
        sync_post_status(post)
        record_change(post, "submitted_for_review", actor=by, request=request)
    return post


def approve(post: Post, *, by, comment: str = "", request=None) -> Post:
    """An editor (or admin) approves a post: its variants in review (or draft) become approved.

    `by` is a user (the editor role is required), or a reviewer's name given
    on a review link (see approve_via_link; no role check there: the link is
    the permission).
    """
    if not isinstance(by, str):
        require_role(by, post.library, Role.EDITOR)
    with transaction.atomic():
        variants = list(post.variants.filter(state__in=[S.IN_REVIEW, S.DRAFT]))
        if not variants:
            raise InvalidTransition("nothing to approve")
        for variant in variants:
            _move(variant, S.APPROVED)
        now = timezone.now()
        post.approved_by = None if isinstance(by, str) else by
        post.approved_by_label = by if isinstance(by, str) else (by.email or str(by))
        post.approved_at = now
        post.review_comment = comment
        Post.objects.filter(pk=post.pk).update(approved_by=post.approved_by, approved_at=now,
                                               approved_by_label=post.approved_by_label,
                                               review_comment=comment)
        sync_post_status(post)
        record_change(post, "approved", actor=by, comment=comment, request=request)
    return post


def request_changes(post: Post, *, by, comment: str, request=None) -> Post:
    """An editor sends a post in review back to draft with a comment saying what to change."""
    if not comment.strip():
        raise ValueError(_("Say what should change."))
    if not isinstance(by, str):
        require_role(by, post.library, Role.EDITOR)
    with transaction.atomic():
        variants = list(post.variants.filter(state=S.IN_REVIEW))
        if not variants:
            raise InvalidTransition("no variant in review")
        for variant in variants:
            _move(variant, S.DRAFT)
        post.review_comment = comment
        Post.objects.filter(pk=post.pk).update(review_comment=comment)
        sync_post_status(post)
        record_change(post, "changes_requested", actor=by, comment=comment, request=request)
    return post


# --- Scheduling ----------------------------------------------------------------------------

def schedule(variant: PostVariant, *, by, at=None, request=None) -> PostVariant:
    """Schedule an approved variant (or move a scheduled one) to `at` (or its scheduled_at).

    The network's checks run first; any error refuses with SchedulingRefused
    carrying the problems. The publish job is queued for that minute once the
    transaction commits. A refusal changes nothing, not even `variant` in memory.
    """
    require_role(by, variant.post.library, Role.STAFF)
    _check_for_schedule(variant, at)
    with transaction.atomic():
        before = variant.state
        _move(variant, S.SCHEDULED, scheduled_at=variant.scheduled_at, next_attempt_at=None, error_message="")
        sync_post_status(variant.post)
        record_change(variant.post, "scheduled" if before != S.SCHEDULED else "rescheduled", actor=by,
                      variant=variant, request=request,
                      scheduled_at=variant.scheduled_at.isoformat(), channel=variant.channel_id)
        queue_publish(variant)
    return variant


def _check_for_schedule(variant: PostVariant, at) -> None:
    """Run the network's checks for `variant` at `at` (None: its own time); set that time when they pass."""
    before = variant.scheduled_at
    if at is not None:
        variant.scheduled_at = at
    problems = errors(validate_variant(variant, for_schedule=True))
    if problems:
        variant.scheduled_at = before
        raise SchedulingRefused(problems)


def schedule_post(post: Post, *, by, request=None) -> list[PostVariant]:
    """Schedule every approved variant of a post at its own time; all or none.

    Raises SchedulingRefused with the problems of every variant (each
    problem's params carry the channel).
    """
    variants = list(post.variants.select_related("channel", "post").filter(state=S.APPROVED))
    if not variants:
        raise InvalidTransition("no approved variant")
    problems = []
    for variant in variants:
        for problem in errors(validate_variant(variant, for_schedule=True)):
            problems.append(Problem(problem.code, problem.field, f"{variant.channel.name}: {problem.message}",
                                    problem.severity, {**problem.params, "channel": variant.channel_id}))
    if problems:
        raise SchedulingRefused(problems)
    with transaction.atomic():
        return [schedule(v, by=by, request=request) for v in variants]


def unschedule(variant: PostVariant, *, by, request=None) -> PostVariant:
    """Take a scheduled variant (or a manual reminder not done) off the calendar; it stays approved."""
    require_role(by, variant.post.library, Role.STAFF)
    with transaction.atomic():
        _move(variant, S.APPROVED, next_attempt_at=None)
        ManualTask.objects.filter(variant=variant, done_at__isnull=True).delete()
        sync_post_status(variant.post)
        record_change(variant.post, "unscheduled", actor=by, variant=variant, request=request)
    return variant


def retry(variant: PostVariant, *, by, at=None, request=None) -> PostVariant:
    """Publish a failed variant again, or one in "check by hand" that staff found missing.

    Runs the checks again; the new attempt uses a fresh idempotency key when the
    last one failed for good (the network refused it, so nothing was posted).
    """
    require_role(by, variant.post.library, Role.STAFF)
    if variant.state not in (S.FAILED, S.NEEDS_CHECK):
        raise InvalidTransition(f"cannot retry a variant in {variant.state}")
    _check_for_schedule(variant, at or max(variant.scheduled_at or timezone.now(), timezone.now()))
    with transaction.atomic():
        _move(variant, S.SCHEDULED, scheduled_at=variant.scheduled_at, next_attempt_at=None,
              attempts=0, error_message="", idempotency_key=uuid.uuid4().hex, publish_data={},
              lease_expires_at=None)
        sync_post_status(variant.post)
        record_change(variant.post, "retried", actor=by, variant=variant, request=request)
        queue_publish(variant)
    return variant


def mark_published_manually(variant: PostVariant, *, by, url: str, request=None) -> PostVariant:
    """Staff say where the post is: done by hand (manual channel) or found after "check by hand"."""
    require_role(by, variant.post.library, Role.STAFF)
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValueError(_("Give the post's full address, starting with https://.")) from None
    with transaction.atomic():
        now = timezone.now()
        _move(variant, S.PUBLISHED, external_url=url, published_at=now, published_by=by,
              error_message="", lease_expires_at=None)
        ManualTask.objects.filter(variant=variant, done_at__isnull=True).update(done_at=now, done_by=by)
        sync_post_status(variant.post)
        record_change(variant.post, "marked_published", actor=by, variant=variant, request=request, url=url)
    return variant


def content_edited(variant: PostVariant, *, by) -> None:
    """A change of text, link, comment or media after review: the variant needs approval again."""
    if variant.state in (S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.FAILED):
        extra = {"idempotency_key": uuid.uuid4().hex, "publish_data": {}} if variant.state == S.FAILED else {}
        _move(variant, S.DRAFT, next_attempt_at=None, **extra)


# --- The review link ---------------------------------------------------------------------------

def review_token(post: Post) -> str:
    """A signed token for the current review round of `post` (see review_url)."""
    if not post.review_nonce:
        raise InvalidTransition("the post has not been submitted for review")
    return signing.dumps({"p": post.pk, "n": post.review_nonce}, salt=REVIEW_SALT, compress=True)


def review_url(post: Post) -> str:
    """The link an approver without an account opens to approve or ask for changes."""
    return settings.BASE_URL + reverse("social-review", kwargs={"token": review_token(post)})


def post_for_review_token(token: str, *, max_age: timedelta | None = None) -> Post:
    """The post a review link is for, or ReviewLinkInvalid (expired, altered, superseded)."""
    max_age = max_age or timedelta(days=settings.SAPA_SOCIAL_REVIEW_DAYS)
    try:
        data = signing.loads(token, salt=REVIEW_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ReviewLinkInvalid("expired") from None
    except signing.BadSignature:
        raise ReviewLinkInvalid("invalid") from None
    try:
        post = Post.objects.select_related("library").get(pk=data.get("p"))
    except (Post.DoesNotExist, TypeError, ValueError):
        raise ReviewLinkInvalid("invalid") from None
    # The signature already holds; the nonce ties the link to this review round.
    if not post.review_nonce or not constant_time_compare(str(data.get("n", "")), post.review_nonce):
        raise ReviewLinkInvalid("superseded")
    return post


def link_reviewer(post: Post, user=None):
    """Who acts on a review link: a name for a reviewer from outside, or the logged-in editor.

    The link is for reviewers outside the library and for its editors. A
    logged-in member of the post's library acts as themselves, so their role
    counts: below editor is refused, and the post's author is refused
    whatever their role (PermissionDenied). Returns the user who acts, or
    None for a reviewer from outside (who gives a name).
    """
    if user is None or not user.is_authenticated:
        return None
    if post.created_by_id is not None and post.created_by_id == user.pk:
        raise PermissionDenied(_("You wrote this post: someone else must approve it."))
    membership = Membership.objects.filter(user=user, library_id=post.library_id).first()
    if membership is None:
        return None
    if not membership.has_role(Role.EDITOR):
        raise PermissionDenied(_("Approving a post needs the editor or admin role."))
    return user


def _link_actor(post: Post, user, reviewer_name: str):
    member = link_reviewer(post, user)
    if member is not None:
        return member
    return _("%(name)s (review link)") % {"name": reviewer_name.strip()[:200] or _("Reviewer")}


def approve_via_link(token: str, *, reviewer_name: str, comment: str = "", request=None, user=None) -> Post:
    """Approve the post of a review link, as `reviewer_name` (no account needed).

    A logged-in `user` of the post's library acts as themselves (link_reviewer:
    PermissionDenied for the author and for members below editor).
    """
    post = post_for_review_token(token)
    if post.status != S.IN_REVIEW:
        raise ReviewLinkInvalid("not_in_review")
    return approve(post, by=_link_actor(post, user, reviewer_name), comment=comment, request=request)


def request_changes_via_link(token: str, *, reviewer_name: str, comment: str, request=None,
                             user=None) -> Post:
    """Send the post of a review link back to draft with a comment, as `reviewer_name`."""
    post = post_for_review_token(token)
    if post.status != S.IN_REVIEW:
        raise ReviewLinkInvalid("not_in_review")
    return request_changes(post, by=_link_actor(post, user, reviewer_name), comment=comment, request=request)
