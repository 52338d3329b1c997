"""The feedback survey of an event: when it is open, its questions, one response per registration."""

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class QuestionKind(models.TextChoices):
    # The same values as sapa.events.models.QuestionKind, for the kinds a survey asks.
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    YES_NO = "yes_no", _("Yes/no")
    NUMBER = "number", _("Number")


class Survey(models.Model):
    """Open from `opens_at` (the event's end unless staff open it earlier) for `open_days`,
    or until staff close it."""

    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="survey")
    opens_at = models.DateTimeField(_("opens"))
    open_days = models.PositiveSmallIntegerField(_("open for (days)"), default=7)
    closed_at = models.DateTimeField(_("closed by staff"), null=True, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    invitations_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("survey")

    def __str__(self):
        return f"{self.event}"

    @property
    def closes_at(self):
        natural = self.opens_at + timedelta(days=self.open_days)
        return min(natural, self.closed_at) if self.closed_at else natural

    def state(self, now=None) -> str:
        """'not_yet', 'open' or 'closed'."""
        now = now or timezone.now()
        if now < self.opens_at:
            return "not_yet"
        if now >= self.closes_at:
            return "closed"
        return "open"

    def is_open(self, now=None) -> bool:
        return self.state(now) == "open"


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=QuestionKind.choices,
                            default=QuestionKind.SHORT_TEXT)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.label


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # One response per registration: the unique index answers a second submit.
    registration = models.OneToOneField("events.Registration", on_delete=models.CASCADE,
                                        related_name="survey_response")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comments = models.TextField(_("comments"), blank=True)
    answers = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="id")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5),
                                              name="rating_1_to_5")]

    def __str__(self):
        return f"{self.rating} — {self.registration_id}"
