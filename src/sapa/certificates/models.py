"""E-certificates: designs per event, their placed fields and signers, recipients
beyond the registrations, number series, bulk generations and the certificates.

A certificate's life (the only transitions, each a service function):

    issued ──revoke──▶ revoked            (reason, date, who; audited)
    issued ──reissue─▶ revoked + a new issued one ("replaced by …")

Its PDF is rendered after the number was assigned (`rendered_at` set); a
generation moves queued → running → done | failed.
"""

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sapa.events.models import Track, all_tracks

# Millimetres of an A4 page.
A4_SHORT, A4_LONG = 210, 297

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB, e.g. #1a1a1a."))


class Orientation(models.TextChoices):
    LANDSCAPE = "landscape", _("A4 landscape")
    PORTRAIT = "portrait", _("A4 portrait")


class Role(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    SPEAKER = "speaker", _("Speaker")
    MODERATOR = "moderator", _("Moderator")
    COMMITTEE = "committee", _("Committee")


class Align(models.TextChoices):
    LEFT = "left", _("Left")
    CENTER = "center", _("Centre")
    RIGHT = "right", _("Right")


class Font(models.TextChoices):
    SANS = "sans", _("Sans")
    SANS_BOLD = "sans-bold", _("Sans, bold")
    SERIF = "serif", _("Serif")
    SERIF_BOLD = "serif-bold", _("Serif, bold")


class FieldKey(models.TextChoices):
    NAME = "name", _("Recipient's name")
    ROLE = "role", _("Role")
    EVENT = "event", _("Event title")
    DATE = "date", _("Date")
    HOURS = "hours", _("Hours (JP)")
    NUMBER = "number", _("Certificate number")
    QR = "qr", _("QR code")
    SIGNER1 = "signer1", _("Signer 1")
    SIGNER2 = "signer2", _("Signer 2")
    SIGNER3 = "signer3", _("Signer 3")


MAX_SIGNERS = 3

DEFAULT_PATTERN = "{seq:03d}/SERT/{month_roman}/{year}"


class CertificateDesign(models.Model):
    """How an event's certificates look: a background and placed fields."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="certificate_designs")
    name = models.CharField(_("name"), max_length=100, default=_("Certificate"))
    orientation = models.CharField(_("page"), max_length=10, choices=Orientation.choices,
                                   default=Orientation.LANDSCAPE)
    roles = models.JSONField(_("for"), default=list,
                             help_text=_("The recipients who get a certificate of this design."))
    # Which participants: those with a seat, those watching the stream, or both (events.Track).
    tracks = models.JSONField(_("participants on"), default=all_tracks)
    number_pattern = models.CharField(
        _("number pattern"), max_length=80, default=DEFAULT_PATTERN,
        help_text=_("{seq:03d} is the running number; also {year}, {month}, {month_roman}, {day}. "
                    "E.g. {seq:03d}/SS-MEDSOS/{month_roman}/{year} gives 001/SS-MEDSOS/VII/2020."),
    )
    hours = models.DecimalField(_("hours (JP)"), max_digits=4, decimal_places=1, null=True, blank=True,
                                help_text=_("Training hours (jam pelajaran) stated on the certificate."))
    language = models.CharField(_("language of the certificate"), max_length=8, default="id",
                                choices=[("id", "Bahasa Indonesia"), ("en", "English")])
    # What staff uploaded, as uploaded (PNG, JPEG or PDF), and which page of a PDF.
    background = models.FileField(_("background"), upload_to="certificates/backgrounds/", blank=True)
    background_kind = models.CharField(max_length=4, blank=True)  # png, jpeg, pdf
    background_page = models.PositiveSmallIntegerField(default=1)
    # The page ready to stamp: background and signatures as one JPEG at the page's size.
    prepared = models.FileField(upload_to="certificates/prepared/", blank=True)
    version = models.PositiveIntegerField(default=1)  # bumped on every change of the page
    prepared_version = models.PositiveIntegerField(default=0)  # the version `prepared` shows
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("certificate design")

    def __str__(self):
        return f"{self.name} — {self.event}"

    @property
    def page_mm(self) -> tuple[int, int]:
        """(width, height) of the page in millimetres."""
        if self.orientation == Orientation.PORTRAIT:
            return A4_SHORT, A4_LONG
        return A4_LONG, A4_SHORT

    def track_labels(self):
        labels = dict(Track.choices)
        return [labels[t] for t in self.tracks if t in labels]

    def role_labels(self):
        labels = dict(Role.choices)
        return [labels[r] for r in self.roles if r in labels]


class DesignField(models.Model):
    """One placed field: a box in millimetres from the page's top-left corner."""

    design = models.ForeignKey(CertificateDesign, on_delete=models.CASCADE, related_name="fields")
    key = models.CharField(max_length=12, choices=FieldKey.choices)
    enabled = models.BooleanField(_("show"), default=True)
    x = models.DecimalField(_("x (mm)"), max_digits=5, decimal_places=1)
    y = models.DecimalField(_("y (mm)"), max_digits=5, decimal_places=1)
    width = models.DecimalField(_("width (mm)"), max_digits=5, decimal_places=1)
    height = models.DecimalField(_("height (mm)"), max_digits=5, decimal_places=1)
    font_size = models.DecimalField(_("font size (pt)"), max_digits=4, decimal_places=1, default=14)
    align = models.CharField(_("alignment"), max_length=6, choices=Align.choices, default=Align.CENTER)
    colour = models.CharField(_("colour"), max_length=7, default="#1a1a1a", validators=[colour_validator])
    font = models.CharField(_("font"), max_length=12, choices=Font.choices, default=Font.SANS)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["design", "key"], name="one_field_per_key")]

    def __str__(self):
        return self.get_key_display()


class Signer(models.Model):
    design = models.ForeignKey(CertificateDesign, on_delete=models.CASCADE, related_name="signers")
    position = models.PositiveSmallIntegerField()  # 1..MAX_SIGNERS, the field signer<position>
    name = models.CharField(_("name"), max_length=150, blank=True)
    title = models.CharField(_("signer's position"), max_length=200, blank=True,
                             help_text=_("E.g. Kepala Perpustakaan."))
    signature = models.ImageField(_("signature image"), upload_to="certificates/signatures/", blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["design", "position"], name="one_signer_per_position")]

    def __str__(self):
        return self.name


class ExtraRecipient(models.Model):
    """A speaker, moderator or committee member: a certificate without a registration."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="certificate_recipients")
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"), blank=True)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.SPEAKER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "id"]

    def __str__(self):
        return self.name

    def audit_label(self) -> str:
        """How the audit log names it: no personal data (sapa.libraries.audit)."""
        return f"{self.role} #{self.pk}"


class NumberSeries(models.Model):
    """The last number given in one series of a library (see numbering.series_key).

    Its row is locked (SELECT ... FOR UPDATE; on SQLite the write lock of
    BEGIN IMMEDIATE) by the transaction that assigns numbers, so two
    generations never take the same number and never leave a gap.
    """

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["library", "key"], name="one_series_per_key")]

    def __str__(self):
        return f"{self.key}: {self.last}"


class GenerationState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Generation(models.Model):
    """One bulk run: number the recipients without a certificate, render their PDFs."""

    design = models.ForeignKey(CertificateDesign, on_delete=models.CASCADE, related_name="generations")
    state = models.CharField(max_length=8, choices=GenerationState.choices, default=GenerationState.QUEUED)
    send_email = models.BooleanField(default=True)
    total = models.PositiveIntegerField(default=0)
    rendered = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker running it (sapa.core.workers.NAME); when that worker is gone, another
    # one resumes the generation.
    worker = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.design} {self.created_at:%Y-%m-%d %H:%M} {self.state}"

    @property
    def is_active(self):
        return self.state in (GenerationState.QUEUED, GenerationState.RUNNING)

    @property
    def percent(self) -> int:
        return int(100 * self.rendered / self.total) if self.total else (100 if not self.is_active else 0)


def _download_token():
    return secrets.token_urlsafe(18)


class Certificate(models.Model):
    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="certificates")
    design = models.ForeignKey(CertificateDesign, on_delete=models.PROTECT, related_name="certificates")
    generation = models.ForeignKey(Generation, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="certificates")
    registration = models.ForeignKey("events.Registration", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="certificates")
    recipient = models.ForeignKey(ExtraRecipient, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="certificates")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    # As printed: the name the participant typed, at the time of issue.
    holder_name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="id")
    number = models.CharField(_("number"), max_length=120)
    series = models.CharField(max_length=120)
    seq = models.PositiveIntegerField()
    code = models.CharField(max_length=32, unique=True)
    download_token = models.CharField(max_length=40, default=_download_token, editable=False)
    file = models.FileField(upload_to="certificates/pdf/", blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    rendered_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(_("reason"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    replaced_by = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="replaces")

    class Meta:
        ordering = ["seq", "id"]
        constraints = [
            models.UniqueConstraint(fields=["library", "number"], name="one_certificate_per_number"),
            models.UniqueConstraint(fields=["library", "series", "seq"], name="one_certificate_per_seq"),
            # One valid certificate per person and role at an event (revoked ones stay as history).
            models.UniqueConstraint(fields=["event", "role", "registration"], condition=Q(revoked_at__isnull=True),
                                    name="one_valid_certificate_per_registration"),
            models.UniqueConstraint(fields=["event", "role", "recipient"], condition=Q(revoked_at__isnull=True),
                                    name="one_valid_certificate_per_recipient"),
        ]
        indexes = [models.Index(fields=["event", "revoked_at"])]

    def __str__(self):
        return self.number

    @property
    def is_valid(self):
        return self.revoked_at is None
