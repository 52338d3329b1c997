"""The one way to write dates and times for people: "Selasa, 21 Juli 2020, 09.00 WIB".

Day and month names come from Django's translations of the active language;
the zone abbreviation is the Indonesian one (WIB, WITA, WIT).
"""

from zoneinfo import ZoneInfo

from django.utils import dateformat, translation

ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_abbreviation(tz_name: str) -> str:
    return ZONE_ABBREVIATIONS.get(tz_name, tz_name)


def local(dt, tz_name: str):
    return dt.astimezone(ZoneInfo(tz_name))


def format_date(dt, tz_name: str) -> str:
    """"Selasa, 21 Juli 2020" (Indonesian) or "Tuesday, 21 July 2020" (English)."""
    return dateformat.format(local(dt, tz_name), "l, j F Y")


def format_time(dt, tz_name: str) -> str:
    """"09.00 WIB" in Indonesian, "09:00 WIB" in English."""
    sep = "." if translation.get_language() == "id" else ":"
    return dateformat.format(local(dt, tz_name), f"H{sep}i") + " " + zone_abbreviation(tz_name)


def format_datetime(dt, tz_name: str) -> str:
    return f"{format_date(dt, tz_name)}, {format_time(dt, tz_name)}"


def format_range(start, end, tz_name: str) -> str:
    """"Selasa, 21 Juli 2020, 09.00–11.30 WIB"; the end's date too when it is another day."""
    s, e = local(start, tz_name), local(end, tz_name)
    sep = "." if translation.get_language() == "id" else ":"
    if s.date() == e.date():
        return (f"{format_date(start, tz_name)}, {dateformat.format(s, f'H{sep}i')}–"
                f"{dateformat.format(e, f'H{sep}i')} {zone_abbreviation(tz_name)}")
    return f"{format_datetime(start, tz_name)} – {format_datetime(end, tz_name)}"
