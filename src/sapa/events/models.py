"""Events, their questions and categories, and registrations with the waiting list."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sapa.libraries.models import TIME_ZONES

DEFAULT_CATEGORIES = [
    "Pustakawan",
    "Pengelola perpustakaan",
    "Widyaiswara",
    "Guru",
    "Masyarakat umum",
]

DEFAULT_CONSENT_TEXT = (
    "Saya setuju data saya (nama, email, nomor WhatsApp, instansi, kategori dan jawaban "
    "saya) diproses oleh {library} untuk pendaftaran, pengingat, presensi dan sertifikat "
    "acara ini, dan disimpan paling lama {days} hari setelah acara. Saya dapat melihat, "
    "membetulkan, mengunduh atau menghapus data saya kapan saja melalui tautan pribadi saya."
)


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public (listed on the library's site)")
    UNLISTED = "unlisted", _("Unlisted (only with the link)")


class MeetingLinkPolicy(models.TextChoices):
    ON_CONFIRMATION = "confirmation", _("In the confirmation")
    IN_REMINDERS = "reminders", _("Only in the reminders")


STREAM_HOSTS = ("youtube.com", "youtu.be", "facebook.com", "fb.watch", "fb.com")


def validate_stream_url(value: str) -> None:
    """A stream link: http(s) on YouTube or Facebook."""
    from urllib.parse import urlparse

    from django.core.exceptions import ValidationError

    parsed = urlparse(value or "")
    host = (parsed.hostname or "").lower()
    if parsed.scheme not in ("http", "https") or not any(
            host == known or host.endswith("." + known) for known in STREAM_HOSTS):
        raise ValidationError(_("Enter a YouTube Live or Facebook Live link starting with https://."))


class Event(models.Model):
    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="events")
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    poster = models.ImageField(_("poster"), upload_to="events/posters/", blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=40, choices=TIME_ZONES, default="Asia/Jakarta")
    meeting_url = models.URLField(_("meeting link"), max_length=500, blank=True)
    meeting_link_policy = models.CharField(
        _("send the meeting link"), max_length=12, choices=MeetingLinkPolicy.choices,
        default=MeetingLinkPolicy.ON_CONFIRMATION,
    )
    # The overflow stream (YouTube Live or Facebook Live): offered when the seats are full.
    stream_url = models.URLField(
        _("stream link"), max_length=500, blank=True,
        help_text=_("A YouTube Live or Facebook Live link. When the seats are full, new registrants "
                    "choose between watching the stream and the waiting list."),
        validators=[validate_stream_url],
    )
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("seats"), default=100)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    status = models.CharField(_("status"), max_length=10, choices=EventStatus.choices,
                              default=EventStatus.PUBLISHED, db_index=True)
    consent_text = models.TextField(_("consent text"), blank=True)
    retention_days = models.PositiveIntegerField(_("keep personal data for (days after the event)"),
                                                 default=365)
    anonymized_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["library", "status", "starts_at"])]

    def __str__(self):
        return self.title

    @property
    def is_cancelled(self):
        return self.status == EventStatus.CANCELLED

    def registration_state(self, now=None) -> str:
        """'open', 'not_yet', 'closed', 'cancelled' or 'draft'."""
        now = now or timezone.now()
        if self.status == EventStatus.CANCELLED:
            return "cancelled"
        if self.status == EventStatus.DRAFT:
            return "draft"
        if self.registration_opens_at and now < self.registration_opens_at:
            return "not_yet"
        closes = self.registration_closes_at or self.starts_at
        if now >= closes:
            return "closed"
        return "open"

    @property
    def consent_text_effective(self) -> str:
        """The consent text shown on the form: the event's own, or the default."""
        if self.consent_text.strip():
            return self.consent_text.strip()
        return DEFAULT_CONSENT_TEXT.format(library=self.library.name, days=self.retention_days)

    @property
    def stream_platform(self) -> str:
        """YouTube or Facebook (the stream link's site)."""
        from urllib.parse import urlparse

        host = (urlparse(self.stream_url).hostname or "").lower()
        return "YouTube" if host == "youtu.be" or host.endswith("youtube.com") else "Facebook"

    @property
    def meeting_platform(self) -> str:
        """Zoom, Google Meet, Jitsi or '' for any other link."""
        from urllib.parse import urlparse

        host = (urlparse(self.meeting_url).hostname or "").lower()
        if host == "zoom.us" or host.endswith(".zoom.us"):
            return "Zoom"
        if host == "meet.google.com":
            return "Google Meet"
        if host == "meet.jit.si" or "jitsi" in host:
            return "Jitsi"
        return ""


class ConsentVersion(models.Model):
    """Each consent text an event ever showed, so a registration proves what was agreed."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="consent_versions")
    version = models.PositiveIntegerField()
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "version"], name="one_consent_version")]
        ordering = ["-version"]

    def __str__(self):
        return f"{self.event} v{self.version}"


class Speaker(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="speakers")
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=200, blank=True,
                            help_text=_("E.g. speaker, moderator, and their position."))
    photo = models.ImageField(_("photo"), upload_to="events/speakers/", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class Category(models.Model):
    """A participant category (Pustakawan, Guru, ...), editable per event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    YES_NO = "yes_no", _("Yes/no")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    PHONE = "phone", _("Phone number")
    REGION = "region", _("Province and regency")


class Question(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
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


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    # The overflow track: no seat, the event's stream link instead (see Event.stream_url).
    STREAM = "stream", _("Watching the stream")
    CANCELLED = "cancelled", _("Cancelled")


class Track(models.TextChoices):
    """How someone takes part: a seat in the meeting, or the overflow stream. Certificates
    and door prizes state which tracks they are for."""

    SEAT = "seat", _("Seat in the meeting")
    STREAM = "stream", _("Live stream")


def all_tracks() -> list[str]:
    return list(Track.values)


def in_tracks(registrations, tracks, prefix: str = ""):
    """`registrations` (a queryset; `prefix` for a related one, e.g. "registration__") narrowed to
    the tracks: the stream track is status STREAM, the seat track every other status."""
    tracks = set(tracks or ())
    status = {f"{prefix}status": RegistrationStatus.STREAM}
    if Track.SEAT not in tracks:
        registrations = registrations.filter(**status)
    if Track.STREAM not in tracks:
        registrations = registrations.exclude(**status)
    return registrations


class RegistrationSource(models.TextChoices):
    FORM = "form", _("Registration form")
    API = "api", _("API")
    STAFF = "staff", _("Added by staff")


def _manage_token():
    return secrets.token_urlsafe(24)


class Registration(models.Model):
    """One person's seat (or place on the waiting list) at one event.

    The waiting list is the registrations in status WAITLISTED, in order of
    arrival (`id`, assigned under the event's lock).
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The secret of the personal link; compared in constant time.
    manage_token = models.CharField(max_length=64, default=_manage_token, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=RegistrationStatus.choices,
                              db_index=True)
    name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email"), max_length=254)
    # Lowercased, trimmed; one registration per event and normalized email.
    email_normalized = models.CharField(max_length=254)
    whatsapp = models.CharField(_("WhatsApp number"), max_length=20, blank=True)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="registrations", verbose_name=_("category"))
    answers = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="id")
    source = models.CharField(max_length=10, choices=RegistrationSource.choices,
                              default=RegistrationSource.FORM)
    # The promotion channel that brought this person (short links, later).
    channel = models.CharField(max_length=40, blank=True)
    consent = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    consent_given_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # When the person joined the waiting list: its order (ties broken by id).
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=20, blank=True)  # participant, staff, event
    anonymized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "email_normalized"], name="one_registration_per_email"),
        ]
        indexes = [models.Index(fields=["event", "status", "waitlisted_at", "id"])]

    def __str__(self):
        return f"{self.name} — {self.event}"

    def audit_label(self) -> str:
        """How the audit log names it: no personal data (sapa.libraries.audit)."""
        return f"#{self.pk} — {self.event}"

    @property
    def is_active(self):
        return self.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
                               RegistrationStatus.STREAM)

    @property
    def is_stream(self):
        return self.status == RegistrationStatus.STREAM


class DataRequest(models.Model):
    """A participant's request about their data (UU 27/2022): export or deletion."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        DELETION = "deletion", _("Deletion")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="data_requests")
    registration = models.ForeignKey(Registration, on_delete=models.SET_NULL, null=True,
                                     related_name="data_requests")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d}"
