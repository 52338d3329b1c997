"""The article workflow: which state may follow which, and one service function per step.

    draft → in_review → approved → scheduled → published
      ↑_________↓ (changes asked)  ↘______________↗ (published now)

The same pattern as social posts (sapa.social.workflow): staff write and send
for review; an editor (or admin) approves, or asks for changes with a comment;
an approved article is published now or scheduled, and the Huey task
`publish_due_articles` publishes scheduled ones at their minute. Staff cannot
publish what no editor approved.

`TRANSITIONS` is the one list of allowed moves. Every move goes through
`_move()`, a conditional UPDATE on the state the caller saw (two people, or a
person and the worker, cannot both move the same article), and is recorded as
an ArticleRevision and an audit entry.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sapa.core.states import InvalidTransition
from sapa.core.states import can_move as _can_move
from sapa.core.states import move as _move_state
from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.libraries.tenancy import has_role, require_role
from sapa.news.models import Article, ArticleRevision, ArticleState

S = ArticleState

TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.IN_REVIEW, S.APPROVED},
    S.IN_REVIEW: {S.APPROVED, S.DRAFT},
    S.APPROVED: {S.SCHEDULED, S.PUBLISHED, S.DRAFT},
    S.SCHEDULED: {S.PUBLISHED, S.APPROVED, S.DRAFT},
    S.PUBLISHED: {S.DRAFT},
}


def can_move(state: str, to: str) -> bool:
    return _can_move(TRANSITIONS, state, to)


def _move(article: Article, to: str, **fields) -> Article:
    """Move one article from the state it is in (as loaded) to `to` (`sapa.core.states.move`)."""
    return _move_state(article, to, TRANSITIONS, **fields)


WORKER_LABEL = "Sapa"


def record_change(article: Article, action: str, *, actor=None, changes: dict | None = None,
                  comment: str = "", request=None, **data) -> ArticleRevision:
    """Keep a revision and write the audit entry `news.<action>` (in the caller's transaction)."""
    user = actor if getattr(actor, "pk", None) else None
    label = (getattr(actor, "email", "") or str(actor)) if actor is not None else WORKER_LABEL
    revision = ArticleRevision.objects.create(article=article, actor=user, actor_label=label[:254],
                                              action=action, changes=changes or {}, comment=comment,
                                              state=article.state)
    audit.record(f"news.{action}", library=article.library, actor=user or label, request=request,
                 obj=article, **({"changes": changes} if changes else {}),
                 **({"comment": comment} if comment else {}), **data)
    return revision


def submit_for_review(article: Article, *, by, request=None) -> Article:
    """Staff send a draft to the editors."""
    require_role(by, article.library, Role.STAFF)
    with transaction.atomic():
        _move(article, S.IN_REVIEW, review_comment="")
        record_change(article, "submitted_for_review", actor=by, request=request)
    return article


def approve(article: Article, *, by, comment: str = "", request=None) -> Article:
    """An editor (or admin) approves a draft or an article in review."""
    require_role(by, article.library, Role.EDITOR)
    with transaction.atomic():
        now = timezone.now()
        _move(article, S.APPROVED, approved_by=by, approved_at=now, review_comment=comment)
        record_change(article, "approved", actor=by, comment=comment, request=request)
    return article


def request_changes(article: Article, *, by, comment: str, request=None) -> Article:
    """An editor sends an article in review back to draft, saying what should change."""
    if not comment.strip():
        raise ValueError(_("Say what should change."))
    require_role(by, article.library, Role.EDITOR)
    if article.state != S.IN_REVIEW:
        raise InvalidTransition("not in review")
    with transaction.atomic():
        _move(article, S.DRAFT, review_comment=comment.strip())
        record_change(article, "changes_requested", actor=by, comment=comment.strip(), request=request)
    return article


def publish(article: Article, *, by, at=None, request=None) -> Article:
    """Publish an approved (or scheduled) article now, or schedule it for `at` if that is later.

    Staff may do this once an editor approved the article; a draft or an
    article in review cannot be published by anyone before approval.
    """
    require_role(by, article.library, Role.STAFF)
    now = timezone.now()
    with transaction.atomic():
        if at is not None and at > now:
            before = article.state
            if before == S.SCHEDULED:
                # Moving a scheduled article: through approved, so the move is still one of TRANSITIONS.
                _move(article, S.APPROVED)
            _move(article, S.SCHEDULED, scheduled_at=at)
            record_change(article, "rescheduled" if before == S.SCHEDULED else "scheduled", actor=by,
                          request=request, scheduled_at=at.isoformat())
        else:
            _move(article, S.PUBLISHED, published_at=now, scheduled_at=None)
            record_change(article, "published", actor=by, request=request)
    return article


def unschedule(article: Article, *, by, request=None) -> Article:
    """Take a scheduled article off the schedule; it stays approved."""
    require_role(by, article.library, Role.STAFF)
    with transaction.atomic():
        _move(article, S.APPROVED, scheduled_at=None)
        record_change(article, "unscheduled", actor=by, request=request)
    return article


def unpublish(article: Article, *, by, request=None) -> Article:
    """An editor takes a published article off the public site (back to draft)."""
    require_role(by, article.library, Role.EDITOR)
    with transaction.atomic():
        _move(article, S.DRAFT, published_at=None)
        record_change(article, "unpublished", actor=by, request=request)
    return article


def content_edited(article: Article, *, by) -> None:
    """A change of content by someone who may not approve: the article needs approval again.

    Editors' own changes keep the state (they are the approvers); a published
    article can only be edited by an editor (see services.update_article).
    """
    if article.state in (S.IN_REVIEW, S.APPROVED, S.SCHEDULED) and not has_role(by, article.library, Role.EDITOR):
        _move(article, S.DRAFT, scheduled_at=None)


def publish_due(now=None) -> int:
    """Publish every scheduled article whose minute has come (the worker calls this each minute).

    Each article moves by a conditional UPDATE, so two workers running the
    task at once publish each article once. The publication time is the
    scheduled minute, not the moment the worker got to it.
    """
    now = now or timezone.now()
    count = 0
    for article in Article.objects.select_related("library").filter(state=S.SCHEDULED, scheduled_at__lte=now):
        with transaction.atomic():
            try:
                _move(article, S.PUBLISHED, published_at=article.scheduled_at)
            except InvalidTransition:
                continue
            record_change(article, "published", actor=None, scheduled=True)
        count += 1
    return count
