"""Meeting reports → people with minutes: the Zoom meeting participants report,
the Zoom webinar attendee report and the Google Meet attendance report, in the
variants docs/attendance.md lists, from the rows files.read_rows gives.

Parsing knows nothing of registrations; matching.py matches the people.
"""

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from sapa.attendance.files import FileProblem, Row, read_rows
from sapa.attendance.models import ReportFormat

# --- Column names (lowercased, spaces collapsed) ------------------------------------------

NAME = ("name (original name)", "user name (original name)", "name", "user name", "participant",
        "full name", "nama", "nama lengkap", "display name")
EMAIL = ("user email", "email", "email address", "e-mail", "alamat email")
JOIN = ("join time", "time joined", "joined", "first seen", "waktu bergabung")
LEAVE = ("leave time", "time exited", "left", "last seen", "waktu keluar")
DURATION = ("duration (minutes)", "total duration (minutes)", "time in session (minutes)", "duration",
            "duration (mins)", "durasi", "durasi (menit)")
FIRST = ("first name", "nama depan")
LAST = ("last name", "nama belakang")
ATTENDED = ("attended",)

SECTION_TITLES = {
    "host details": "host", "panelist details": "panelist", "attendee details": "attendee",
    "other attended": "attendee", "attendee report": None, "webinar attendee report": None,
}
MEET_PREAMBLE = ("meeting title", "meeting code", "date", "start time", "end time", "judul rapat",
                 "tanggal")
YES = {"yes", "ya", "y", "true", "1"}
NO = {"no", "tidak", "n", "false", "0"}


def _norm_header(cell) -> str:
    return " ".join(str(cell or "").replace("\ufeff", "").split()).casefold()


def _find(headers: list[str], names) -> int | None:
    for name in names:
        if name in headers:
            return headers.index(name)
    return None


# --- Names ---------------------------------------------------------------------------------


def normalize_name(name: str) -> str:
    """Casefolded, accents stripped, punctuation dropped, spaces collapsed:
    "Ni Putu Ayu Wéndi, S.Pd." → "ni putu ayu wendi s pd"."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())


_PAREN = re.compile(r"^(?P<shown>.*?)\s*\((?P<original>[^()]*)\)\s*$")
_SEPARATORS = re.compile(r"\s*(?:[_|/,;]| - | – )\s*")


def name_candidates(name: str) -> list[str]:
    """The normalized names a Zoom display name may stand for, best first.

    "Siti R_Perpusda Sleman (Siti Rahmawati)" → the original name in parentheses,
    the name shown, and the part before an institution separator (`_`, ` - `, `|`, `,`).
    """
    out = []
    raw = (name or "").strip()
    found = _PAREN.match(raw)
    parts = [found["original"], found["shown"]] if found else []
    parts.append(raw)
    for part in list(parts):
        first = _SEPARATORS.split(part, maxsplit=1)[0]
        if first and first != part:
            parts.append(first)
    for part in parts:
        normalized = normalize_name(part)
        if normalized and normalized not in out:
            out.append(normalized)
    return out


def display_name(name: str) -> str:
    """The original name when Zoom shows "Shown (Original Name)", else the name."""
    found = _PAREN.match((name or "").strip())
    if found and found["original"].strip() and found["shown"].strip():
        return found["original"].strip()
    return (name or "").strip()


# --- Times and durations -------------------------------------------------------------------

MONTHS = {
    "jan": 1, "january": 1, "januari": 1, "feb": 2, "february": 2, "februari": 2, "mar": 3,
    "march": 3, "maret": 3, "apr": 4, "april": 4, "may": 5, "mei": 5, "jun": 6, "june": 6,
    "juni": 6, "jul": 7, "july": 7, "juli": 7, "aug": 8, "august": 8, "agu": 8, "agt": 8,
    "agustus": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "okt": 10,
    "oktober": 10, "nov": 11, "november": 11, "dec": 12, "december": 12, "des": 12, "desember": 12,
}

_WHEN = re.compile(r"""^\s*
    (?:(?:
        (?P<y1>\d{4})-(?P<m1>\d{1,2})-(?P<d1>\d{1,2})
      | (?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y2>\d{4}|\d{2})
      | (?P<mon3>[^\W\d_]{3,9})\.?\s+(?P<d3>\d{1,2}),?\s+(?P<y3>\d{4})
      | (?P<d4>\d{1,2})\s+(?P<mon4>[^\W\d_]{3,9})\.?,?\s+(?P<y4>\d{4})
    )(?:\s*,\s*|\s+|T))?
    (?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2})(?:[.,]\d+)?)?
    \s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?
    (?:\s*(?:Z|[+-]\d{2}:?\d{2}|(?:GMT|UTC)(?:[+-]\d{1,2}(?::?\d{2})?)?|WIB|WITA|WIT))?\s*$""",
                   re.VERBOSE)


@dataclass
class Clock:
    """How to read the file's times: its zone, the day of time-only values, and
    whether n/n/yyyy dates are day first."""

    tz: ZoneInfo
    default_date: date
    day_first: bool = False


def parse_when(value, clock: Clock) -> datetime | None:
    """A report's time cell → an aware datetime; None for an empty cell or `--`.

    Raises ValueError for text that is not a time.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=clock.tz)
    if isinstance(value, time):
        return datetime.combine(clock.default_date, value, tzinfo=clock.tz)
    text = str(value).strip()
    if text in ("", "-", "--", "—"):
        return None
    found = _WHEN.match(text)
    if not found:
        raise ValueError(text)
    g = found.groupdict()
    if g["y1"]:
        day = date(int(g["y1"]), int(g["m1"]), int(g["d1"]))
    elif g["a"]:
        year = int(g["y2"]) + (2000 if len(g["y2"]) == 2 else 0)
        a, b = int(g["a"]), int(g["b"])
        month, dom = (b, a) if clock.day_first else (a, b)
        if month > 12 and dom <= 12:
            month, dom = dom, month
        day = date(year, month, dom)
    elif g["mon3"] or g["mon4"]:
        month = MONTHS.get((g["mon3"] or g["mon4"]).casefold().rstrip("."))
        if month is None:
            raise ValueError(text)
        day = date(int(g["y3"] or g["y4"]), month, int(g["d3"] or g["d4"]))
    else:
        day = clock.default_date
    hour, minute, second = int(g["h"]), int(g["mi"]), int(g["s"] or 0)
    if g["ampm"]:
        pm = g["ampm"][0] in "Pp"
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if pm else 0)
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=clock.tz)


_UNIT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(h|hr|hrs|hour|hours|jam|j|m|min|mins|minute|minutes|menit|mnt|"
                   r"s|sec|secs|second|seconds|detik|dtk)\b\.?", re.IGNORECASE)


def parse_minutes(value) -> float | None:
    """A duration cell → minutes; None for an empty cell or `--`.

    Reads 85, 85.5, 85,5, 1:25:00, 1:25, "1 hr 25 min", "1 jam 25 menit", "45 sec".
    Raises ValueError otherwise.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(str(value))
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, time):
        return value.hour * 60 + value.minute + value.second / 60
    if isinstance(value, timedelta):
        return value.total_seconds() / 60
    text = str(value).strip()
    if text in ("", "-", "--", "—"):
        return None
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return float(text.replace(",", "."))
    clock = re.fullmatch(r"(\d{1,3}):(\d{2})(?::(\d{2}))?", text)
    if clock:
        h, m, s = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        return h * 60 + m + s / 60 if clock[3] is not None else h * 60 + m
    parts = _UNIT.findall(text)
    if parts and not _UNIT.sub("", text).strip(" ,"):
        total = 0.0
        for number, unit in parts:
            amount = float(number.replace(",", "."))
            unit = unit.casefold()
            if unit in ("h", "hr", "hrs", "hour", "hours", "jam", "j"):
                total += amount * 60
            elif unit in ("s", "sec", "secs", "second", "seconds", "detik", "dtk"):
                total += amount / 60
            else:
                total += amount
        return total
    raise ValueError(text)


# --- The parsed report ---------------------------------------------------------------------


@dataclass
class Person:
    """Everyone the report lists under one email (or, without email, one name)."""

    name: str
    email: str
    names: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)
    extra_seconds: float = 0.0  # rows with a duration but no usable join/leave times
    key: str = ""  # a meeting service's registrant id (API reports only)

    @property
    def minutes(self) -> int:
        return total_minutes(self.intervals, self.extra_seconds)

    def to_json(self) -> dict:
        return {
            "name": self.name, "email": self.email, "names": self.names, "lines": self.lines,
            "intervals": [[a.isoformat(), b.isoformat()] for a, b in self.intervals],
            "extra_seconds": self.extra_seconds, "minutes": self.minutes,
            **({"key": self.key} if self.key else {}),
        }


@dataclass
class Report:
    format: str
    rows: int = 0  # participant rows read
    people: list[Person] = field(default_factory=list)
    no_shows: int = 0  # webinar registrants with Attended = No
    skipped_hosts: int = 0  # host and panelist rows of a webinar
    topic: str = ""
    table: str = ""  # "xlsx", "csv ;", ...
    # Look-ups while rows are read: email → person, normalized name → person(s).
    _index: dict = field(default_factory=lambda: {"email": {}, "name_only": {}, "name_with_email": {}},
                         repr=False)


def merge_intervals(intervals) -> float:
    """Seconds covered by the union of (start, end) intervals: overlapping joins
    from two devices count once."""
    total = 0.0
    current_start = current_end = None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total


def total_minutes(intervals, extra_seconds: float = 0.0) -> int:
    """Minutes, rounded up as Zoom's Duration column does (10 seconds count as 1 minute)."""
    seconds = merge_intervals(intervals) + extra_seconds
    return max(0, math.ceil(seconds / 60 - 1e-9))


def people_from_sessions(sessions, *, format: str) -> Report:
    """A Report from a meeting service's API rather than a file: each session is a dict with
    "name", "email", "key" (the service's registrant id, or ""), "start", "end" (aware
    datetimes or None) and "seconds" (used when start or end is missing).

    Sessions with the same key are one person; the others are grouped as the file's rows
    are (same email, else same name), so both roads reach the same merge and match.
    """
    report = Report(format=format, table="api")
    by_key: dict[str, Person] = {}
    for session in sessions:
        report.rows += 1
        key = session.get("key") or ""
        name, email = session.get("name") or "", (session.get("email") or "").strip().lower()
        if key and key in by_key:
            person = by_key[key]
        elif key:
            person = Person(name=display_name(name) or email, email=email)
            report.people.append(person)
            by_key[key] = person
        else:
            person = _person_for(report, name, email)
        if key and not person.key:
            person.key = key
        if display_name(name) and display_name(name) != person.name and display_name(name) not in person.names:
            person.names.append(display_name(name))
        start, end = session.get("start"), session.get("end")
        if start and end and end > start:
            person.intervals.append((start, end))
        else:
            person.extra_seconds += float(session.get("seconds") or 0)
    return report


# --- Parsing -------------------------------------------------------------------------------


def parse_report(data: bytes, *, tz_name: str, default_date: date) -> Report:
    """Read a meeting report (any supported format). Raises FileProblem (line and reason)."""
    rows, table = read_rows(data)
    found = _detect(rows)
    if found is None:
        raise FileProblem(_(
            "Sapa does not recognise this file. Upload the Zoom meeting participants report, the "
            "Zoom webinar attendee report or the Google Meet attendance report, as CSV or XLSX."))
    kind, header_index = found
    clock = Clock(ZoneInfo(tz_name), default_date)
    report = Report(format=kind, table=table)
    preamble = _preamble(rows[:header_index], kind)
    report.topic = preamble.get("topic", "")
    if preamble.get("date"):
        clock.default_date = preamble["date"]
    _guess_day_first(rows, clock)
    if kind == ReportFormat.ZOOM_WEBINAR:
        _parse_webinar(rows, report, clock)
    else:
        _parse_table(rows, header_index, report, clock)
    return report


def _detect(rows: list[Row]) -> tuple[str, int] | None:
    """(format, index of its header row) for the first header row Sapa knows."""
    for index, row in enumerate(rows[:200]):
        headers = [_norm_header(c) for c in row.cells]
        if "attended" in headers and (_find(headers, JOIN) is not None or _find(headers, DURATION) is not None):
            return ReportFormat.ZOOM_WEBINAR, index
        if "topic" in headers or "meeting id" in headers:
            continue  # the meeting block of a Zoom report
        has_name = _find(headers, NAME) is not None or _find(headers, FIRST) is not None
        if "time joined" in headers or "time exited" in headers or (
                has_name and "duration" in headers and "join time" not in headers):
            return ReportFormat.GOOGLE_MEET, index
        if has_name and ("join time" in headers or _find(headers, DURATION) is not None):
            return ReportFormat.ZOOM_MEETING, index
    return None


def _preamble(rows: list[Row], kind: str) -> dict:
    """Topic and date from the Zoom meeting block or the Meet preamble."""
    out = {}
    for i, row in enumerate(rows):
        headers = [_norm_header(c) for c in row.cells]
        if "topic" in headers and i + 1 < len(rows):
            values = rows[i + 1]
            out["topic"] = values.text(headers.index("topic"))
            for key in ("start time", "actual start time"):
                if key in headers:
                    out["start"] = values.raw(headers.index(key))
        if headers and headers[0] in MEET_PREAMBLE and len(headers) > 1:
            value = row.raw(1)
            if headers[0] in ("meeting title", "judul rapat"):
                out["topic"] = row.text(1)
            elif headers[0] in ("date", "tanggal"):
                out["date_raw"] = value
    for raw in (out.get("date_raw"), out.get("start")):
        if raw in (None, ""):
            continue
        try:
            probe = Clock(ZoneInfo("UTC"), date.today())
            if isinstance(raw, datetime | date):
                out["date"] = raw.date() if isinstance(raw, datetime) else raw
            else:
                out["date"] = _date_only(str(raw)) or parse_when(raw, probe).date()
            break
        except ValueError:
            continue
    return out


def _date_only(text: str) -> date | None:
    text = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"([^\W\d_]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})", text) or None
    if m and m[1].casefold() in MONTHS:
        return date(int(m[3]), MONTHS[m[1].casefold()], int(m[2]))
    m = re.fullmatch(r"(\d{1,2})\s+([^\W\d_]{3,9})\.?,?\s+(\d{4})", text)
    if m and m[2].casefold() in MONTHS:
        return date(int(m[3]), MONTHS[m[2].casefold()], int(m[1]))
    return None


def _guess_day_first(rows: list[Row], clock: Clock) -> None:
    """n/n/yyyy dates: month first (Zoom's own export) unless a first number above 12
    shows the file was re-saved by a day-first Excel."""
    pattern = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b")
    for row in rows:
        for cell in row.cells:
            if not isinstance(cell, str):
                continue
            m = pattern.search(cell)
            if m:
                if int(m[1]) > 12:
                    clock.day_first = True
                    return
                if int(m[2]) > 12:
                    return


def _columns(headers: list[str]) -> dict:
    return {
        "name": _find(headers, NAME), "email": _find(headers, EMAIL), "join": _find(headers, JOIN),
        "leave": _find(headers, LEAVE), "duration": _find(headers, DURATION),
        "first": _find(headers, FIRST), "last": _find(headers, LAST), "attended": _find(headers, ATTENDED),
    }


def _require(columns: dict, header: Row) -> None:
    if columns["name"] is None and columns["first"] is None:
        raise FileProblem(_("the name column is missing (“Name (Original Name)”, “User Name” or "
                            "“First name”)."), line=header.line)
    if columns["duration"] is None and (columns["join"] is None or columns["leave"] is None):
        raise FileProblem(_("the duration column is missing (“Duration (Minutes)”, “Time in Session "
                            "(minutes)” or “Duration”), and there are no join and leave times."),
                          line=header.line)


def _parse_table(rows: list[Row], header_index: int, report: Report, clock: Clock) -> None:
    header = rows[header_index]
    columns = _columns([_norm_header(c) for c in header.cells])
    _require(columns, header)
    for row in rows[header_index + 1:]:
        if row.blank:
            continue
        _add_row(report, row, columns, header, clock)


def _parse_webinar(rows: list[Row], report: Report, clock: Clock) -> None:
    section = None
    columns = header = None
    for position, row in enumerate(rows):
        if row.blank:
            continue
        headers = [_norm_header(c) for c in row.cells]
        first = headers[0] if headers else ""
        filled = [h for h in headers if h]
        if first in SECTION_TITLES and len(filled) <= 1:
            section = SECTION_TITLES[first]
            columns = None
            continue
        if "attended" in headers and (_find(headers, JOIN) is not None or _find(headers, DURATION) is not None):
            columns, header = _columns(headers), row
            _require(columns, row)
            continue
        if "topic" in headers or "webinar id" in headers:
            if "topic" in headers and position + 1 < len(rows):
                report.topic = rows[position + 1].text(headers.index("topic"))
            columns = None  # the summary's header and values are no participants
            continue
        if columns is None or section is None:
            continue
        if section in ("host", "panelist"):
            report.skipped_hosts += 1
            continue
        attended = row.text(columns["attended"]).casefold()
        if attended in NO:
            report.no_shows += 1
            continue
        if attended not in YES:
            raise FileProblem(_("“%(value)s” in the Attended column is neither Yes nor No.")
                              % {"value": row.text(columns["attended"])}, line=row.line)
        _add_row(report, row, columns, header, clock)


def _add_row(report: Report, row: Row, columns: dict, header: Row, clock: Clock) -> None:
    name = row.text(columns["name"])
    if not name and columns["first"] is not None:
        name = " ".join(p for p in (row.text(columns["first"]), row.text(columns["last"])) if p)
    email = row.text(columns["email"]).strip().lower()
    if email in ("--", "-"):
        email = ""
    if not name and not email:
        raise FileProblem(_("the row has neither a name nor an email."), line=row.line)

    def cell_title(index):
        return str(header.cells[index]).strip().lstrip("\ufeff")

    joined = left = None
    try:
        joined = parse_when(row.raw(columns["join"]), clock) if columns["join"] is not None else None
    except ValueError:
        raise FileProblem(_("“%(value)s” in the %(column)s column is not a time.")
                          % {"value": row.text(columns["join"]), "column": cell_title(columns["join"])},
                          line=row.line) from None
    try:
        left = parse_when(row.raw(columns["leave"]), clock) if columns["leave"] is not None else None
    except ValueError:
        raise FileProblem(_("“%(value)s” in the %(column)s column is not a time.")
                          % {"value": row.text(columns["leave"]), "column": cell_title(columns["leave"])},
                          line=row.line) from None
    try:
        minutes = parse_minutes(row.raw(columns["duration"])) if columns["duration"] is not None else None
    except ValueError:
        raise FileProblem(_("“%(value)s” in the %(column)s column is not a duration.")
                          % {"value": row.text(columns["duration"]),
                             "column": cell_title(columns["duration"])}, line=row.line) from None
    if joined and left and left < joined:
        if _time_only(row.raw(columns["leave"])):
            left += timedelta(days=1)  # a time of day past midnight
        if left < joined:
            raise FileProblem(_("the leave time is before the join time."), line=row.line)
    report.rows += 1
    person = _person_for(report, name, email)
    person.lines.append(row.line)
    if name and name not in person.names:
        person.names.append(name)
    if joined and left:
        person.intervals.append((joined, left))
    elif minutes is not None:
        person.extra_seconds += minutes * 60


def _time_only(value) -> bool:
    if isinstance(value, time) and not isinstance(value, datetime):
        return True
    return isinstance(value, str) and bool(re.fullmatch(r"\s*\d{1,2}[:.]\d{2}([:.]\d{2})?\s*([AaPp][Mm])?\s*",
                                                        value))


def _person_for(report: Report, name: str, email: str) -> Person:
    """The person this row belongs to: same email, else (no email) same normalized name;
    a row without email joins the one person with an email and that name."""
    index = report._index
    key_name = normalize_name(display_name(name))
    if email:
        person = index["email"].get(email)
        if person is not None:
            return person
        # An earlier name-only row of this person: give it the email now.
        person = index["name_only"].pop(key_name, None)
        if person is not None:
            person.email = email
            index["email"][email] = person
            index["name_with_email"].setdefault(key_name, []).append(person)
            return person
    else:
        person = index["name_only"].get(key_name)
        if person is not None:
            return person
        with_email = index["name_with_email"].get(key_name, [])
        if len(with_email) == 1:
            return with_email[0]
    person = Person(name=display_name(name) or email, email=email)
    report.people.append(person)
    if email:
        index["email"][email] = person
        index["name_with_email"].setdefault(key_name, []).append(person)
    else:
        index["name_only"][key_name] = person
    return person
