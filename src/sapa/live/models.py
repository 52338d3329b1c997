"""The live question board, the raise-hand queue and the log of their updates.

- `Board`: one per event, created on first use: open or closed, anonymous
  questions allowed or not, hands on or off, and `last_seq`, the number of the
  event's latest update. Every state change locks this row first, so the
  changes of one event are serialized and their update numbers are committed
  in order (a reader that saw number n has seen every number below it).
- `LiveQuestion`: a participant's question; hidden or not, answered or not,
  on screen or not (at most one per event, a partial unique index).
- `Vote`: one per question and voter (a unique index).
- `Hand`: a raised hand; raised → called → lowered, or raised → lowered; at
  most one raised-or-called hand per participant and event.
- `Update`: the log that live screens follow: (event, seq) unique, written in
  the same transaction as the change it describes.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

QUESTION_MAX_LENGTH = 300


class Board(models.Model):
    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="live_board")
    is_open = models.BooleanField(_("the board takes questions"), default=True)
    allow_anonymous = models.BooleanField(
        _("anonymous questions"), default=False,
        help_text=_("Anyone with the board's address may ask and vote, without the personal link."))
    hands_enabled = models.BooleanField(_("raised hands"), default=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("live board")

    def __str__(self):
        return f"live board of {self.event_id}"


class LiveQuestion(models.Model):
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="live_questions")
    # Who asked: the registration (its first name is shown), or nobody (Anonim).
    registration = models.ForeignKey("events.Registration", on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="live_questions")
    # "r:<registration id>" or "a:<hash of the anonymous visitor's cookie>": own questions and votes.
    author_key = models.CharField(max_length=80)
    text = models.TextField(_("question"), max_length=QUESTION_MAX_LENGTH)
    votes = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(default=False)
    on_screen = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event"], condition=Q(on_screen=True), name="live_one_on_screen"),
        ]
        indexes = [models.Index(fields=["event", "hidden"])]

    def __str__(self):
        return self.text[:60]

    def audit_label(self) -> str:
        """How the audit log names it: not by the participant's words (sapa.libraries.audit)."""
        return f"question #{self.pk}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


class Vote(models.Model):
    question = models.ForeignKey(LiveQuestion, on_delete=models.CASCADE, related_name="vote_rows")
    voter_key = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "voter_key"], name="live_one_vote")]

    def __str__(self):
        return f"vote on {self.question_id}"


class HandStatus(models.TextChoices):
    RAISED = "raised", _("Raised")
    CALLED = "called", _("Called")
    LOWERED = "lowered", _("Lowered")


# The transitions a hand may make; services.py checks every change against it.
HAND_TRANSITIONS = {
    HandStatus.RAISED: {HandStatus.CALLED, HandStatus.LOWERED},
    HandStatus.CALLED: {HandStatus.LOWERED},
    HandStatus.LOWERED: set(),
}


class Hand(models.Model):
    """A raised hand; the queue is the raised hands in order of id (assigned under the board's lock)."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="live_hands")
    registration = models.ForeignKey("events.Registration", on_delete=models.CASCADE, related_name="live_hands")
    status = models.CharField(max_length=8, choices=HandStatus.choices, default=HandStatus.RAISED)
    raised_at = models.DateTimeField(auto_now_add=True)
    called_at = models.DateTimeField(null=True, blank=True)
    lowered_at = models.DateTimeField(null=True, blank=True)
    lowered_by = models.CharField(max_length=12, blank=True)  # participant, moderator

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "registration"],
                                    condition=Q(status__in=["raised", "called"]), name="live_one_active_hand"),
        ]
        indexes = [models.Index(fields=["event", "status"])]

    def __str__(self):
        return f"hand {self.pk} ({self.status})"


class Update(models.Model):
    """One state change of an event's board, as live screens receive it."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="live_updates")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=20)  # question, hand, board
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "seq"]
        constraints = [models.UniqueConstraint(fields=["event", "seq"], name="live_update_seq")]

    def __str__(self):
        return f"{self.event_id}#{self.seq} {self.kind}"
