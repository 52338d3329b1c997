"""Certificate numbers in the library's pattern, e.g. `{seq:03d}/SS-MEDSOS/{month_roman}/{year}`.

The series of a number is the pattern with everything but the running number
filled in (`/SS-MEDSOS/VII/2020`): certificates of every event whose numbers
would read alike share one counter, so no number is ever given twice, and a
pattern with {year} starts again at 1 each year.
"""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
PLACEHOLDERS = {"seq", "year", "month", "month_roman", "day"}


def values(day) -> dict:
    """The placeholders of a date (the event's date in its own time zone)."""
    return {"year": day.year, "month": f"{day.month:02d}", "month_roman": ROMAN[day.month - 1],
            "day": f"{day.day:02d}"}


def validate_pattern(pattern: str) -> None:
    """Raise ValidationError with a message for staff unless the pattern is usable."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError:
        raise ValidationError(_("The pattern has an unmatched { or }.")) from None
    unknown = sorted(set(names) - PLACEHOLDERS)
    if unknown:
        raise ValidationError(_("Unknown placeholder: {%(name)s}. Use {seq}, {year}, {month}, {month_roman} or {day}.")
                              % {"name": unknown[0]})
    if names.count("seq") != 1:
        raise ValidationError(_("The pattern needs the running number {seq} exactly once, e.g. {seq:03d}."))
    try:
        format_number(pattern, 1, {"year": 2020, "month": "07", "month_roman": "VII", "day": "21"})
    except (ValueError, KeyError, IndexError):
        raise ValidationError(_("The pattern cannot be filled in; check the format after the colon, "
                                "e.g. {seq:03d}.")) from None


def format_number(pattern: str, seq: int, date_values: dict) -> str:
    return pattern.format(seq=seq, **date_values)


def series_key(pattern: str, date_values: dict) -> str:
    """The pattern filled in except the running number (the counter's name)."""
    marker = "\x00"
    parts = []
    for literal, name, spec, _conversion in string.Formatter().parse(pattern):
        parts.append(literal)
        if name is None:
            continue
        if name == "seq":
            parts.append(marker)
        else:
            parts.append(format(date_values[name], spec or ""))
    return "".join(parts).replace(marker, "{seq}")[:120]
