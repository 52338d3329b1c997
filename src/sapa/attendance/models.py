"""Attendance (presensi): who was there, for how long, and whether that counts.

`Attendance` is one row per registration that showed up in any way (checked in
with the code, or found in an imported meeting report). `attended` is the
event's AttendanceRule applied to minutes and check-in; services keep it current
so that prizes and certificates read one boolean.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Attendance(models.Model):
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="attendances")
    registration = models.OneToOneField(
        "events.Registration", on_delete=models.CASCADE, related_name="attendance"
    )
    minutes = models.PositiveIntegerField(_("minutes attended"), default=0)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    # The second code, shown at the end of the session (CheckInWindow.Moment.END).
    checked_in_end_at = models.DateTimeField(_("checked in at the end"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        indexes = [models.Index(fields=["event", "attended"])]

    def __str__(self):
        return f"{self.registration_id}: {self.minutes} min"


class AttendanceRule(models.Model):
    """attended = (minutes >= min_minutes OR minutes >= min_percent of the session)
    [AND|OR] checked in, as the event's staff set it."""

    class Combine(models.TextChoices):
        DURATION_ONLY = "duration", _("Time in the session only")
        CHECK_IN_ONLY = "checkin", _("Check-in only")
        EITHER = "either", _("Time in the session or check-in")
        BOTH = "both", _("Time in the session and check-in")

    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="attendance_rule")
    min_minutes = models.PositiveIntegerField(_("at least (minutes)"), null=True, blank=True)
    min_percent = models.PositiveSmallIntegerField(_("or at least (% of the session)"), null=True, blank=True,
                                                   default=70)
    combine = models.CharField(_("counts as attended"), max_length=10, choices=Combine.choices,
                               default=Combine.EITHER)
    require_both_checkins = models.BooleanField(
        _("a check-in needs both codes (start and end)"), default=False,
        help_text=_("Open one check-in window at the start and one at the end; only people who "
                    "entered both codes count as checked in."))

    class Meta:
        verbose_name = _("attendance rule")

    def __str__(self):
        return f"{self.event_id}: {self.min_minutes} min / {self.min_percent} % ({self.combine})"


class CheckInWindow(models.Model):
    """A check-in code that staff opened for a time window during the session.

    Open while opens_at <= now < closes_at; "close now" moves closes_at to now.
    The code is short, read aloud in the meeting, and compared in constant time.

    Its moment says which check-in it takes: the one at the start of the session or the
    one at the end (stream viewers have no meeting report: these two codes are their
    attendance).
    """

    class Moment(models.TextChoices):
        START = "start", _("At the start")
        END = "end", _("At the end")

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="checkin_windows")
    moment = models.CharField(_("check-in"), max_length=5, choices=Moment.choices, default=Moment.START)
    code = models.CharField(_("code"), max_length=8)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("check-in window")
        indexes = [models.Index(fields=["event", "closes_at"])]

    def __str__(self):
        return f"{self.event_id}: {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class ReportFormat(models.TextChoices):
    ZOOM_MEETING = "zoom_meeting", _("Zoom meeting participants report")
    ZOOM_WEBINAR = "zoom_webinar", _("Zoom webinar attendee report")
    GOOGLE_MEET = "google_meet", _("Google Meet attendance report")


class ReportImport(models.Model):
    """An uploaded meeting report: pending (parsed, waiting for the preview's
    matches), then saved or discarded.

    While pending, `data` holds the parsed people (names, emails, intervals)
    server-side, so the save step never trusts the form for them. Saving or
    discarding empties `data` (the minutes are on the Attendance rows; the
    record keeps who, when, which file and the counts).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the check")
        SAVED = "saved", _("Saved")
        DISCARDED = "discarded", _("Discarded")

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="report_imports")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    file_name = models.CharField(_("file"), max_length=255)
    format = models.CharField(_("format"), max_length=20, choices=ReportFormat.choices)
    data = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    people = models.PositiveIntegerField(_("people"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    unmatched = models.PositiveIntegerField(_("not matched"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+")
    saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("meeting report import")

    def __str__(self):
        return self.file_name


class ChatImport(models.Model):
    """One upload of a saved Zoom chat; the latest saved one's messages are the event's chat.

    An upload from the staff page is first pending: `data` holds the parsed messages for the
    preview, and only saving it replaces the event's chat (then `data` is emptied).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the check")
        SAVED = "saved", _("Saved")
        DISCARDED = "discarded", _("Discarded")

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="chat_imports")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SAVED)
    data = models.JSONField(default=dict, blank=True)
    file_name = models.CharField(_("file"), max_length=255)
    format = models.CharField(_("format"), max_length=20)
    messages = models.PositiveIntegerField(_("messages"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("chat import")

    def __str__(self):
        return self.file_name


class ChatMessage(models.Model):
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="chat_messages")
    chat_import = models.ForeignKey(ChatImport, on_delete=models.CASCADE, related_name="chat_messages")
    position = models.PositiveIntegerField()
    sent_at = models.DateTimeField(_("time"))
    sender = models.CharField(_("from"), max_length=200)
    recipient = models.CharField(_("to"), max_length=200, blank=True)
    is_private = models.BooleanField(_("direct message"), default=False)
    text = models.TextField(_("message"))
    is_question = models.BooleanField(_("question"), default=False)
    is_thanks = models.BooleanField(_("thanks"), default=False)

    class Meta:
        ordering = ["position"]
        verbose_name = _("chat message")
        indexes = [models.Index(fields=["event", "position"])]

    def __str__(self):
        return f"{self.sender}: {self.text[:40]}"
