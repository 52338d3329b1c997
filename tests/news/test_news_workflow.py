"""The article workflow: every allowed move, the refused ones, who may do what, scheduled
publishing by the worker, and the history kept of each change."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from sapa.libraries.models import AuditEntry
from sapa.news import services, tasks, workflow
from sapa.news.models import Article, ArticleState

S = ArticleState
pytestmark = pytest.mark.django_db


def test_transitions_table_is_closed_and_published_only_after_approval():
    # Every target is a state; nothing reaches "published" except from approved or scheduled.
    for source, targets in workflow.TRANSITIONS.items():
        assert source in S.values and targets <= set(S.values)
    sources_of_published = {s for s, targets in workflow.TRANSITIONS.items() if S.PUBLISHED in targets}
    assert sources_of_published == {S.APPROVED, S.SCHEDULED}


def test_full_path_draft_review_approved_published(make_article, staff_user, editor_user):
    article = make_article()
    assert article.state == S.DRAFT
    workflow.submit_for_review(article, by=staff_user)
    assert Article.objects.get(pk=article.pk).state == S.IN_REVIEW
    workflow.approve(article, by=editor_user, comment="Bagus.")
    article.refresh_from_db()
    assert (article.state, article.approved_by, article.review_comment) == (S.APPROVED, editor_user, "Bagus.")
    # Once approved, the staff member may publish it.
    workflow.publish(article, by=staff_user)
    article.refresh_from_db()
    assert article.state == S.PUBLISHED and article.published_at is not None
    actions = list(article.revisions.order_by("id").values_list("action", flat=True))
    assert actions == ["created", "submitted_for_review", "approved", "published"]
    assert AuditEntry.objects.filter(action="news.published", object_id=str(article.pk)).exists()


def test_staff_cannot_approve_nor_publish_without_an_editor(make_article, staff_user):
    article = make_article(state="in_review")
    with pytest.raises(PermissionDenied):
        workflow.approve(article, by=staff_user)
    with pytest.raises(workflow.InvalidTransition):
        workflow.publish(article, by=staff_user)
    draft = make_article(title="Draf lain")
    with pytest.raises(workflow.InvalidTransition):
        workflow.publish(draft, by=staff_user)
    with pytest.raises(workflow.InvalidTransition):
        workflow.publish(draft, by=staff_user, at=timezone.now() + timedelta(hours=1))
    assert set(Article.objects.values_list("state", flat=True)) == {S.IN_REVIEW, S.DRAFT}


def test_request_changes_needs_a_comment_and_returns_to_draft(make_article, editor_user):
    article = make_article(state="in_review")
    with pytest.raises(ValueError):
        workflow.request_changes(article, by=editor_user, comment="  ")
    assert Article.objects.get(pk=article.pk).state == S.IN_REVIEW
    workflow.request_changes(article, by=editor_user, comment="Tambahkan nama narasumber.")
    article.refresh_from_db()
    assert article.state == S.DRAFT and article.review_comment == "Tambahkan nama narasumber."
    revision = article.revisions.first()
    assert (revision.action, revision.comment, revision.actor) == ("changes_requested",
                                                                    "Tambahkan nama narasumber.", editor_user)


def test_a_member_of_another_library_has_no_role_here(make_article, other_library):
    article = make_article(state="in_review")
    outsider = other_library.memberships.get().user  # an admin, but of library B
    with pytest.raises(PermissionDenied):
        workflow.approve(article, by=outsider)


def test_staff_edit_after_approval_sends_back_to_draft_editor_edit_does_not(make_article, staff_user,
                                                                           editor_user):
    article = make_article(state="approved")
    before = services.snapshot(article)
    article.title = "Judul baru"
    services.save_article(article, by=staff_user, before=before)
    assert Article.objects.get(pk=article.pk).state == S.DRAFT

    other = make_article(title="Kedua", state="scheduled")
    before = services.snapshot(other)
    other.summary = "Ringkasan diperbaiki editor."
    services.save_article(other, by=editor_user, before=before)
    other.refresh_from_db()
    assert other.state == S.SCHEDULED
    edit = other.revisions.first()
    assert edit.action == "edited" and "summary" in edit.changes


def test_only_editors_change_a_published_article(make_article, staff_user, editor_user):
    article = make_article(state="published")
    with pytest.raises(PermissionDenied):
        services.save_article(article, by=staff_user, before=services.snapshot(article))
    workflow.unpublish(article, by=editor_user)
    assert Article.objects.get(pk=article.pk).state == S.DRAFT


def test_two_moves_from_the_same_state_only_one_wins(make_article, editor_user):
    article = make_article(state="in_review")
    stale = Article.objects.get(pk=article.pk)
    workflow.approve(article, by=editor_user)
    with pytest.raises(workflow.InvalidTransition):
        workflow.request_changes(stale, by=editor_user, comment="Terlambat")
    assert Article.objects.get(pk=article.pk).state == S.APPROVED


def test_scheduled_article_is_published_by_the_task_at_its_minute(make_article, staff_user):
    article = make_article(state="approved")
    at = timezone.now() + timedelta(minutes=30)
    workflow.publish(article, by=staff_user, at=at)
    article.refresh_from_db()
    assert article.state == S.SCHEDULED and article.scheduled_at == at

    assert workflow.publish_due(now=at - timedelta(seconds=1)) == 0
    assert Article.objects.get(pk=article.pk).state == S.SCHEDULED
    assert workflow.publish_due(now=at + timedelta(seconds=5)) == 1
    article.refresh_from_db()
    assert article.state == S.PUBLISHED and article.published_at == at
    assert article.revisions.first().actor_label == "Sapa"
    # A second run publishes nothing twice.
    assert workflow.publish_due(now=at + timedelta(minutes=1)) == 0


def test_the_periodic_task_runs_every_minute_and_publishes_what_is_due(make_article, staff_user):
    article = make_article(state="approved")
    workflow.publish(article, by=staff_user, at=timezone.now() + timedelta(minutes=1))
    Article.objects.filter(pk=article.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    # A periodic task whose crontab matches every minute of the day.
    validate = tasks.publish_due_articles.task_class().validate_datetime
    assert all(validate(timezone.localtime().replace(hour=h, minute=m)) for h in (0, 13) for m in (0, 7, 59))
    tasks.publish_due_articles.call_local()
    assert Article.objects.get(pk=article.pk).state == S.PUBLISHED


def test_reschedule_and_unschedule(make_article, staff_user):
    article = make_article(state="scheduled")
    later = timezone.now() + timedelta(days=1)
    workflow.publish(article, by=staff_user, at=later)
    article.refresh_from_db()
    assert article.state == S.SCHEDULED and article.scheduled_at == later
    workflow.unschedule(article, by=staff_user)
    article.refresh_from_db()
    assert article.state == S.APPROVED and article.scheduled_at is None
    assert [r.action for r in article.revisions.all()[:2]] == ["unscheduled", "rescheduled"]


@pytest.mark.django_db(transaction=True)
def test_racing_workers_publish_each_scheduled_article_once(make_article):
    import threading

    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("needs PostgreSQL: in-memory shared-cache SQLite does not wait for locks")
    articles = [make_article(title=f"Terjadwal {i}", state="scheduled") for i in range(5)]
    Article.objects.filter(pk__in=[a.pk for a in articles]).update(
        scheduled_at=timezone.now() - timedelta(seconds=5))
    barrier = threading.Barrier(4)
    counts = []

    def worker():
        try:
            barrier.wait()
            counts.append(workflow.publish_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 5
    assert Article.objects.filter(state=S.PUBLISHED).count() == 5
    for article in articles:
        assert article.revisions.filter(action="published").count() == 1
