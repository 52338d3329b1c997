"""Attendance (presensi): who was there, for how long, and whether that counts.

`Attendance` is one row per registration that showed up in any way (checked in
with the code, or found in an imported meeting report). `attended` is the
event's AttendanceRule applied to minutes and check-in; services keep it current
so that prizes and certificates read one boolean.
"""

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

    class Meta:
        verbose_name = _("attendance rule")
