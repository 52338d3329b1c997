"""The attendance rules. Other apps read attendance only through the functions
marked CONTRACT (prizes, certificates, survey, news); keep their signatures."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sapa.attendance.models import Attendance, AttendanceRule


@dataclass(frozen=True)
class Presence:
    minutes: int
    checked_in: bool
    attended: bool


def rule_for(event) -> AttendanceRule:
    """The event's rule (70 % of the session or a check-in when staff set none)."""
    try:
        return event.attendance_rule
    except AttendanceRule.DoesNotExist:
        return AttendanceRule(event=event)


def session_minutes(event) -> int:
    return max(0, int((event.ends_at - event.starts_at).total_seconds() // 60))


def meets_rule(rule: AttendanceRule, event, minutes: int, checked_in: bool) -> bool:
    """Apply `rule` to one participant's minutes and check-in."""
    thresholds = []
    if rule.min_minutes:
        thresholds.append(minutes >= rule.min_minutes)
    if rule.min_percent:
        total = session_minutes(event)
        thresholds.append(total > 0 and minutes * 100 >= rule.min_percent * total)
    long_enough = any(thresholds) if thresholds else minutes > 0
    combine = rule.combine
    if combine == AttendanceRule.Combine.DURATION_ONLY:
        return long_enough
    if combine == AttendanceRule.Combine.CHECK_IN_ONLY:
        return checked_in
    if combine == AttendanceRule.Combine.BOTH:
        return long_enough and checked_in
    return long_enough or checked_in


@transaction.atomic
def record_attendance(registration, *, minutes: int | None = None, checked_in_at=None) -> Attendance:
    """Set a registration's minutes and/or check-in time and re-apply the rule. CONTRACT."""
    event = registration.event
    row, _ = Attendance.objects.select_for_update().get_or_create(
        registration=registration, defaults={"event": event}
    )
    if minutes is not None:
        row.minutes = minutes
    if checked_in_at is not None and row.checked_in_at is None:
        row.checked_in_at = checked_in_at
    row.attended = meets_rule(rule_for(event), event, row.minutes, row.checked_in_at is not None)
    row.updated_at = timezone.now()
    row.save()
    return row


def reapply_rule(event) -> int:
    """Recompute `attended` for every row of the event (after the rule changed)."""
    rule = rule_for(event)
    changed = 0
    for row in Attendance.objects.filter(event=event):
        attended = meets_rule(rule, event, row.minutes, row.checked_in_at is not None)
        if attended != row.attended:
            row.attended = attended
            row.save(update_fields=["attended"])
            changed += 1
    return changed


def attendance_summary(event) -> dict[int, Presence]:
    """registration id → Presence, for every registration with an attendance row. CONTRACT."""
    return {
        row["registration_id"]: Presence(row["minutes"], row["checked_in_at"] is not None, row["attended"])
        for row in Attendance.objects.filter(event=event).values(
            "registration_id", "minutes", "checked_in_at", "attended"
        )
    }


def attended_registration_ids(event) -> set[int]:
    """Ids of the event's registrations that count as attended under its rule. CONTRACT."""
    return set(
        Attendance.objects.filter(event=event, attended=True).values_list("registration_id", flat=True)
    )


def minutes_by_registration(event) -> dict[int, int]:
    """registration id → minutes attended (0 when never seen). CONTRACT."""
    return dict(Attendance.objects.filter(event=event).values_list("registration_id", "minutes"))
