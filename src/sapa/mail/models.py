"""The outbox: every email Sapa sends is first a row here."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EmailState(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # Before 2026-12: the worker stopped while the mail server had the message.
    # No longer given: such a message is sent again (same Message-ID, so mail
    # clients fold a duplicate).
    UNCERTAIN = "uncertain", _("Check by hand")
    # Rendered by the worker and found no longer needed (the person's status
    # changed, or their data was erased, before it went out).
    DROPPED = "dropped", _("Not sent: no longer needed")


class Email(models.Model):
    library = models.ForeignKey(
        "libraries.Library", on_delete=models.CASCADE, null=True, blank=True, related_name="emails"
    )
    to = models.JSONField(_("to"), default=list)
    # Kept apart from `to`: copies are headers everyone sees, blind copies only
    # go on the envelope.
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    from_email = models.CharField(max_length=254)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # [{"filename": ..., "mimetype": ..., "content_b64": ...}]
    attachments = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Rendered by the worker, not in the request: the name of a renderer in
    # sapa.mail.renderers and its arguments. Empty once rendered (or never used).
    renderer = models.CharField(max_length=60, blank=True)
    render_args = models.JSONField(default=dict, blank=True)
    # A feature that must send something once (a reminder, say) names it here;
    # the unique index turns a second attempt into a no-op.
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The worker sending it (sapa.core.workers.NAME): when that worker is gone the
    # message is sent again, with the same Message-ID.
    claimed_by = models.CharField(max_length=120, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("email")
        verbose_name_plural = _("emails")

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"
