"""A library's Zoom account, the Zoom meeting of an event, and each registration's registrant."""

import json
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sapa.social.crypto import decrypt, encrypt


def _webhook_key():
    return secrets.token_urlsafe(18)


class ZoomAccount(models.Model):
    """A library's Server-to-Server OAuth app. The secrets are encrypted at rest
    (sapa.social.crypto, SAPA_ENCRYPTION_KEY), as channel credentials are."""

    library = models.OneToOneField(
        "libraries.Library", on_delete=models.CASCADE, related_name="zoom_account"
    )
    account_id = models.CharField(_("account ID"), max_length=100)
    client_id = models.CharField(_("client ID"), max_length=100)
    # {"client_secret": ..., "webhook_secret": ...}
    secrets_encrypted = models.TextField(blank=True, editable=False)
    access_token_encrypted = models.TextField(blank=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # The webhook's address carries this random key (which account's secret signs it).
    webhook_key = models.CharField(max_length=40, unique=True, default=_webhook_key, editable=False)
    tested_at = models.DateTimeField(null=True, blank=True)
    test_result = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Zoom account")

    def __str__(self):
        return f"Zoom {self.account_id}"

    @property
    def secrets(self) -> dict:
        return json.loads(decrypt(self.secrets_encrypted)) if self.secrets_encrypted else {}

    @secrets.setter
    def secrets(self, value: dict) -> None:
        value = {k: v for k, v in value.items() if v}
        self.secrets_encrypted = encrypt(json.dumps(value)) if value else ""


class MeetingKind(models.TextChoices):
    MEETING = "meetings", _("Meeting")
    WEBINAR = "webinars", _("Webinar")


class ZoomMeeting(models.Model):
    """The Zoom meeting or webinar Sapa created for an event (registration on)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        DELETED = "deleted", _("Deleted in Zoom")

    event = models.OneToOneField(
        "events.Event", on_delete=models.CASCADE, related_name="zoom_meeting"
    )
    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(
        _("type"), max_length=10, choices=MeetingKind.choices, default=MeetingKind.MEETING
    )
    zoom_id = models.CharField(max_length=30, db_index=True)
    join_url = models.URLField(max_length=1000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    # What Zoom was last told, to notice a change of the event's time or title.
    synced_start = models.DateTimeField()
    synced_minutes = models.PositiveIntegerField()
    synced_topic = models.CharField(max_length=200)
    last_error = models.CharField(max_length=300, blank=True)
    report_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Zoom meeting")
        indexes = [models.Index(fields=["library", "state"])]

    def __str__(self):
        return f"{self.kind} {self.zoom_id}"


class ZoomRegistrant(models.Model):
    """A confirmed registration as a registrant of the event's Zoom meeting (a personal join link)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for Zoom")
        ADDED = "added", _("Added")
        REMOVED = "removed", _("Removed")

    registration = models.OneToOneField(
        "events.Registration", on_delete=models.CASCADE, related_name="zoom_registrant"
    )
    meeting = models.ForeignKey(ZoomMeeting, on_delete=models.CASCADE, related_name="registrants")
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    registrant_id = models.CharField(max_length=100, blank=True, db_index=True)
    join_url = models.URLField(max_length=1000, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Zoom registrant")

    def __str__(self):
        return f"{self.registration_id} → {self.registrant_id or self.state}"


class WebhookReceipt(models.Model):
    """Each accepted webhook's signature: the same request sent again is refused (replay)."""

    account = models.ForeignKey(ZoomAccount, on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=80, unique=True)
    event = models.CharField(max_length=60)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.event} {self.received_at:%Y-%m-%d %H:%M}"


class GoogleAccount(models.Model):
    """A library's Google Workspace service account (domain-wide delegation), acting as
    `user`. The key file is encrypted at rest (sapa.social.crypto)."""

    library = models.OneToOneField(
        "libraries.Library", on_delete=models.CASCADE, related_name="google_account"
    )
    client_email = models.CharField(_("service account"), max_length=254)
    user = models.EmailField(_("Workspace user Sapa acts as"))
    calendar_id = models.CharField(_("calendar"), max_length=254, default="primary")
    key_encrypted = models.TextField(blank=True, editable=False)
    access_token_encrypted = models.TextField(blank=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    tested_at = models.DateTimeField(null=True, blank=True)
    test_result = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Google account")

    def __str__(self):
        return self.client_email

    @property
    def private_key(self) -> str:
        return decrypt(self.key_encrypted) if self.key_encrypted else ""

    @private_key.setter
    def private_key(self, value: str) -> None:
        self.key_encrypted = encrypt(value) if value else ""


class GoogleMeeting(models.Model):
    """The calendar event with a Meet link that Sapa created for an event."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        DELETED = "deleted", _("Deleted in Google")

    event = models.OneToOneField(
        "events.Event", on_delete=models.CASCADE, related_name="google_meeting"
    )
    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="+")
    calendar_id = models.CharField(max_length=254)
    calendar_event_id = models.CharField(max_length=1024)
    meeting_code = models.CharField(max_length=40)
    join_url = models.URLField(max_length=500)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    synced_start = models.DateTimeField()
    synced_end = models.DateTimeField()
    synced_topic = models.CharField(max_length=200)
    last_error = models.CharField(max_length=300, blank=True)
    report_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Google Meet meeting")

    def __str__(self):
        return self.meeting_code
