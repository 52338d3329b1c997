"""WhatsApp Business Cloud API per library, participants' opt-in, and the message outbox."""

import json
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sapa.social import crypto


def _verify_token():
    return secrets.token_urlsafe(24)


class Account(models.Model):
    """A library's WhatsApp Business Cloud API number. Secrets are encrypted (sapa.social.crypto)."""

    library = models.OneToOneField("libraries.Library", on_delete=models.CASCADE, related_name="whatsapp")
    phone_number_id = models.CharField(_("phone number ID"), max_length=40)
    business_account_id = models.CharField(_("WhatsApp Business account ID"), max_length=40)
    # {"access_token": ..., "app_secret": ...}, Fernet-encrypted.
    credentials_encrypted = models.TextField(blank=True)
    # What Meta sends back in the webhook handshake (hub.verify_token); random, shown to staff.
    verify_token = models.CharField(max_length=64, default=_verify_token)
    is_active = models.BooleanField(_("send notices by WhatsApp"), default=True)
    daily_budget = models.PositiveIntegerField(
        _("messages per day at most"), default=1000,
        help_text=_("WhatsApp charges per message: Sapa sends no more than this many a day; the rest wait."))
    # The last template check: {"name": "APPROVED" | "PENDING" | ... | "MISSING"}.
    template_status = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"WhatsApp {self.phone_number_id}"

    def credentials(self) -> dict:
        if not self.credentials_encrypted:
            return {}
        return json.loads(crypto.decrypt(self.credentials_encrypted))

    def set_credentials(self, data: dict) -> None:
        self.credentials_encrypted = crypto.encrypt(json.dumps(data))


class Consent(models.Model):
    """A participant's separate opt-in to notices by WhatsApp, with the text they agreed to."""

    registration = models.OneToOneField("events.Registration", on_delete=models.CASCADE,
                                        related_name="whatsapp_consent")
    text = models.TextField()
    text_version = models.CharField(max_length=16)
    given_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.CharField(max_length=20, blank=True)  # participant, stop_reply

    def __str__(self):
        return f"{self.registration_id}: {self.text_version}"


class OptOut(models.Model):
    """A number that answered STOP to a library: nothing more is sent to it by WhatsApp."""

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="+")
    wa_id = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["library", "wa_id"], name="one_whatsapp_optout")]

    def __str__(self):
        return self.wa_id


class State(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    # Accepted by the Cloud API; then the webhook tells sent, delivered, read or failed.
    ACCEPTED = "accepted", _("Accepted by WhatsApp")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")
    # The worker stopped while WhatsApp may have had the message: never re-sent by itself.
    UNCERTAIN = "uncertain", _("Check by hand")
    DROPPED = "dropped", _("Not sent: no longer needed")


# The webhook's order: a later status never goes back to an earlier one.
PROGRESS = {State.ACCEPTED: 1, State.SENT: 2, State.DELIVERED: 3, State.READ: 4}


class Message(models.Model):
    """One template message to one participant: the WhatsApp outbox."""

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, null=True, related_name="+")
    registration = models.ForeignKey("events.Registration", on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="whatsapp_messages")
    # Set for "registered" before the registration row exists (same transaction).
    public_id = models.CharField(max_length=36, blank=True)
    kind = models.CharField(max_length=20)
    # Sent to Meta as biz_opaque_callback_data and unique: the webhook finds the row by it
    # even when the worker died before it wrote the message id down.
    key = models.CharField(max_length=40, unique=True)
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    to = models.CharField(max_length=20, blank=True)
    template = models.CharField(max_length=60, blank=True)
    language = models.CharField(max_length=8, blank=True)
    parameters = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    wamid = models.CharField(max_length=128, blank=True, db_index=True)
    error_code = models.CharField(max_length=20, blank=True)
    last_error = models.TextField(blank=True)
    # Set when a failure left the notice to the email (see services.fall_back_to_email).
    fell_back_to_email = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["library", "claimed_at"])]

    def __str__(self):
        return f"{self.kind} → {self.to or self.public_id} ({self.state})"


class WebhookDelivery(models.Model):
    """Each accepted webhook body's digest: the same body again is a replay and refused."""

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.digest
