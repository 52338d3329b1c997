"""Turning catalogue records into plain dicts: Dublin Core, MARC 21 (ISO 2709 and MARCXML), CSV, RSS.

Every parser returns `Item`s (one per title) or raises `ParseError` listing
where (record number, line) and why, so that a broken file is refused whole
with a message staff can act on. XML is read with defusedxml: the files and
feeds come from outside and must not be able to expand entities or reach
for other files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import pymarc
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _
from pymarc import exceptions as marc_exc

MARC_NS = "http://www.loc.gov/MARC21/slim"
DC_NS = "http://purl.org/dc/elements/1.1/"
MAX_ERRORS = 20
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif")


@dataclass
class Item:
    identifier: str
    title: str
    authors: list[str] = field(default_factory=list)
    publisher: str = ""
    year: str = ""
    isbn: str = ""
    call_number: str = ""
    cover_url: str = ""
    subjects: list[str] = field(default_factory=list)
    added_at: datetime | None = None
    raw: dict = field(default_factory=dict)


@dataclass
class Problem:
    where: str
    reason: str

    def as_dict(self) -> dict:
        return {"where": self.where, "reason": self.reason}


class ParseError(Exception):
    """The input cannot be imported; `problems` says where and why (nothing is imported)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.where}: {p.reason}" for p in problems))
        self.problems = problems


# --- Small helpers ------------------------------------------------------------------------------

def _clean(value) -> str:
    """Collapse spaces and drop the ISBD punctuation MARC leaves at the end (" /", " :", ",")."""
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    return re.sub(r"\s*[/:;,=]+$", "", text).strip()


def _year(text: str) -> str:
    match = re.search(r"(1[5-9]\d\d|20\d\d)", text or "")
    return match.group(1) if match else ""


ISBN_RE = re.compile(r"(97[89][\d-]{10,14}|[\d-]{9,13}[\dXx])")


def normalise_isbn(text: str) -> str:
    """The ISBN's digits (and a final X) from text like "978-602-03-1234-5 (pbk.)"; "" if none."""
    for candidate in ISBN_RE.findall(text or ""):
        digits = candidate.replace("-", "").upper()
        if len(digits) in (10, 13) and (digits[:-1].isdigit() and (digits[-1].isdigit() or
                                                                     (len(digits) == 10 and digits[-1] == "X"))):
            return digits
    return ""


def fallback_identifier(title: str, authors: list[str], year: str) -> str:
    """An identifier for a record without one: the same title, first author and year give the same one."""
    key = "|".join([title.casefold(), (authors[0] if authors else "").casefold(), year])
    return "sha1:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_error(exc) -> Problem:
    line = getattr(exc, "position", (None,))[0]
    where = _("line %(line)d") % {"line": line} if line else _("file")
    return Problem(where, _("This is not well-formed XML (%(error)s).") % {"error": str(exc).split(":")[0]})


def parse_xml(data: bytes):
    """Parse untrusted XML safely; ParseError with the line number when it is broken."""
    try:
        return SafeET.fromstring(data)
    except SafeET.ParseError as exc:
        raise ParseError([_xml_error(exc)]) from None
    except Exception as exc:  # defusedxml's refusals (entities, DTDs)
        raise ParseError([Problem(_("file"), _("This XML uses features Sapa does not accept (%(error)s).")
                                  % {"error": exc.__class__.__name__})]) from None


# --- Dublin Core (OAI-PMH oai_dc) ----------------------------------------------------------------

def item_from_dc(element, *, identifier: str, added_at=None) -> Item:
    """An item from an <oai_dc:dc> element."""
    values: dict[str, list[str]] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        text = re.sub(r"\s+", " ", child.text or "").strip()
        if text:
            values.setdefault(_local(child.tag), []).append(text)
    isbn = cover = ""
    for ident in values.get("identifier", []) + values.get("relation", []):
        if not isbn and ("isbn" in ident.lower() or re.fullmatch(r"[\d\- X]{10,17}", ident)):
            isbn = normalise_isbn(ident)
        if not cover and ident.lower().startswith(("http://", "https://")) and \
                ident.lower().split("?")[0].endswith(IMAGE_EXTENSIONS):
            cover = ident
    title = _clean((values.get("title") or [""])[0])
    return Item(
        identifier=identifier, title=title,
        authors=[_clean(a) for a in values.get("creator", [])],
        publisher=_clean((values.get("publisher") or [""])[0]),
        year=_year(" ".join(values.get("date", []))),
        isbn=isbn, cover_url=cover,
        subjects=[_clean(s) for s in values.get("subject", [])],
        added_at=added_at, raw={"dc": values},
    )


# --- MARC 21 ---------------------------------------------------------------------------------

def _subfields(record, tags, codes) -> list[str]:
    found = []
    for f in record.get_fields(*tags):
        for code in codes:
            found.extend(v for v in f.get_subfields(code) if v and v.strip())
    return found


def _call_number(record) -> str:
    # Koha keeps it per item (952$o); INLISLite and others in 090/084/082/050.
    for tag, codes in (("952", "o"), ("090", "ab"), ("084", "a"), ("082", "a"), ("050", "ab")):
        for f in record.get_fields(tag):
            parts = [v.strip() for code in codes for v in f.get_subfields(code) if v.strip()]
            if parts:
                return " ".join(parts)[:100]
    return ""


def _cover(record) -> str:
    for f in record.get_fields("856"):
        for url in f.get_subfields("u"):
            hint = " ".join(f.get_subfields("3", "q", "y", "z")).lower()
            if url.startswith(("http://", "https://")) and (
                    url.lower().split("?")[0].endswith(IMAGE_EXTENSIONS) or "cover" in hint or "sampul" in hint
                    or "image" in hint):
                return url
    return ""


def item_from_marc(record, *, identifier: str = "", added_at=None) -> Item:
    """An item from a pymarc Record (title 245, authors 1XX/7XX, 260/264, 020, call number, 650, 856)."""
    title_field = record.get("245")
    title = ""
    if title_field is not None:
        title = _clean(" ".join(v for code in "anp" for v in title_field.get_subfields(code)))
        subtitle = _clean(" ".join(title_field.get_subfields("b")))
        if subtitle:
            title = f"{title}: {subtitle}"
    authors = [_clean(a) for a in _subfields(record, ("100", "110", "111"), "a")]
    authors += [_clean(a) for a in _subfields(record, ("700", "710"), "a") if _clean(a) not in authors]
    publisher = _clean((_subfields(record, ("264", "260"), "b") or [""])[0])
    year = _year(" ".join(_subfields(record, ("264", "260"), "c")))
    control_008 = record.get("008")
    if not year and control_008 is not None:
        year = _year(control_008.data[7:11])
    isbn = ""
    for value in _subfields(record, ("020",), "a"):
        isbn = normalise_isbn(value)
        if isbn:
            break
    control_001 = record.get("001")
    if not identifier:
        if control_001 is not None and control_001.data.strip():
            identifier = "marc:" + control_001.data.strip()
        elif isbn:
            identifier = "isbn:" + isbn
        else:
            identifier = fallback_identifier(title, authors, year)
    subjects = [_clean(s) for s in _subfields(record, ("650", "600", "651", "610"), "a")]
    return Item(identifier=identifier, title=title, authors=[a for a in authors if a], publisher=publisher,
                year=year, isbn=isbn, call_number=_call_number(record), cover_url=_cover(record),
                subjects=list(dict.fromkeys(s for s in subjects if s)), added_at=added_at,
                raw=record.as_dict())


def marc_from_xml(element) -> pymarc.Record:
    """A pymarc Record from a MARCXML <record> element (namespaced or not)."""
    record = pymarc.Record()
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        if name == "leader":
            text = (child.text or "").strip("\n")
            if len(text) == 24:
                record.leader = text
        elif name == "controlfield":
            record.add_field(pymarc.Field(tag=child.get("tag", ""), data=child.text or ""))
        elif name == "datafield":
            subfields = [pymarc.Subfield(code=sf.get("code", ""), value=sf.text or "")
                         for sf in child if isinstance(sf.tag, str) and _local(sf.tag) == "subfield"]
            record.add_field(pymarc.Field(
                tag=child.get("tag", ""),
                indicators=pymarc.Indicators(child.get("ind1", " ") or " ", child.get("ind2", " ") or " "),
                subfields=subfields,
            ))
    return record


def _marc_reason(exc) -> str:
    reasons = {
        marc_exc.TruncatedRecord: _("the record is cut short: the file ends before the length its leader "
                                    "gives"),
        marc_exc.RecordLengthInvalid: _("the record length at the start of the leader is not a number"),
        marc_exc.RecordLeaderInvalid: _("the leader (the first 24 characters) is damaged"),
        marc_exc.EndOfRecordNotFound: _("the record does not end with the end-of-record mark; its length "
                                        "in the leader is wrong"),
        marc_exc.BaseAddressInvalid: _("the base address of data in the leader is wrong"),
        marc_exc.BaseAddressNotFound: _("the base address of data in the leader is missing"),
        marc_exc.RecordDirectoryInvalid: _("the directory (the list of fields after the leader) is damaged"),
        marc_exc.NoFieldsFound: _("the record has no fields"),
    }
    for cls, reason in reasons.items():
        if isinstance(exc, cls):
            return reason
    if isinstance(exc, UnicodeDecodeError):
        return _("the text is not in the character set the leader declares (position 9)")
    return _("the record cannot be read (%(error)s)") % {"error": exc.__class__.__name__}


def _record_where(number: int) -> str:
    return _("record %(n)d") % {"n": number}


def _check_items(items: list[tuple[str, Item]]) -> list[Problem]:
    return [Problem(where, _("it has no title")) for where, item in items if not item.title][:MAX_ERRORS]


def _directory_damage(chunk: bytes) -> str:
    """Why the record's directory is wrong (pymarc reads past such damage silently), or ""."""
    try:
        base = int(chunk[12:17])
    except ValueError:
        return _("the base address of data in the leader is wrong")
    directory = chunk[24:base - 1]
    if base > len(chunk) or len(directory) % 12 or chunk[base - 1:base] != b"\x1e":
        return _("the directory (the list of fields after the leader) is damaged")
    data_length = len(chunk) - base
    for i in range(0, len(directory), 12):
        entry = directory[i:i + 12]
        tag = entry[:3].decode("latin-1")
        if not entry[3:].isdigit():
            return _("the directory entry of field %(tag)s is damaged") % {"tag": tag}
        length, start = int(entry[3:7]), int(entry[7:12])
        if start + length > data_length or chunk[base + start + length - 1:base + start + length] != b"\x1e":
            return _("the directory entry of field %(tag)s points outside the field's data") % {"tag": tag}
    return ""


def parse_iso2709(data: bytes) -> list[Item]:
    """Items from an ISO 2709 MARC file; ParseError naming the first broken record."""
    # Exports often end with a newline or a DOS end-of-file mark after the last record.
    data = data.rstrip(b"\r\n\x1a \x00")
    if not data:
        raise ParseError([Problem(_("file"), _("The file is empty."))])
    reader = pymarc.MARCReader(io.BytesIO(data), to_unicode=True, permissive=True, utf8_handling="strict")
    items: list[tuple[str, Item]] = []
    number = 0
    offset = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        number += 1
        chunk = reader.current_chunk or b""
        if record is None:
            exc = reader.current_exception
            where = _("record %(n)d (byte %(offset)d)") % {"n": number, "offset": offset}
            raise ParseError([Problem(where, _marc_reason(exc))])
        damage = _directory_damage(chunk)
        if damage:
            where = _("record %(n)d (byte %(offset)d)") % {"n": number, "offset": offset}
            raise ParseError([Problem(where, damage)])
        offset += len(chunk)
        items.append((_record_where(number), item_from_marc(record)))
    problems = _check_items(items)
    if problems:
        raise ParseError(problems)
    return [item for _, item in items]


def parse_marcxml(data: bytes) -> list[Item]:
    """Items from a MARCXML file (<collection> of <record>s, or one <record>)."""
    root = parse_xml(data)
    if _local(root.tag) == "record":
        records = [root]
    else:
        records = [el for el in root.iter() if isinstance(el.tag, str) and _local(el.tag) == "record"]
    if not records:
        raise ParseError([Problem(_("file"), _("There is no MARCXML <record> in this file."))])
    items = [(_record_where(n), item_from_marc(marc_from_xml(el))) for n, el in enumerate(records, 1)]
    problems = _check_items(items)
    if problems:
        raise ParseError(problems)
    return [item for _, item in items]


# --- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = {
    "title": ("title", "judul"),
    "author": ("author", "authors", "pengarang", "penulis", "pengarang/penulis"),
    "publisher": ("publisher", "penerbit"),
    "year": ("year", "tahun", "tahun terbit"),
    "isbn": ("isbn", "isbn/issn"),
    "call_number": ("call number", "call_number", "callnumber", "call no", "nomor panggil", "no panggil",
                    "no. panggil"),
}


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252 (Excel's "CSV" on Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError([Problem(_("line %(line)d") % {"line": line},
                                  _("The file is neither UTF-8 nor Windows-1252 text. Save it as "
                                    "\"CSV UTF-8\" and upload it again."))]) from None


def parse_csv(data: bytes) -> list[Item]:
    """Items from a CSV with the columns title, author, publisher, year, isbn, call number (`,` or `;`)."""
    try:
        text = decode_text(data)
    except UnicodeDecodeError:
        raise ParseError([Problem(_("file"), _("The file is not UTF-8 text."))]) from None
    if not text.strip():
        raise ParseError([Problem(_("file"), _("The file is empty."))])
    first_line = text.lstrip().splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ParseError([Problem(_("line %(line)d") % {"line": 1}, str(exc))]) from None
    names = [h.strip().lower() for h in header]
    columns: dict[str, int] = {}
    for key, aliases in CSV_COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                columns.setdefault(key, index)
    if "title" not in columns:
        raise ParseError([Problem(_("line %(line)d") % {"line": 1},
                                  _("The first line must name the columns, with at least “title”. Found: "
                                    "%(found)s.") % {"found": ", ".join(h for h in header if h) or "—"})])
    problems: list[Problem] = []
    items: list[Item] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(_("line %(line)d") % {"line": reader.line_num}, str(exc)))
            break
        line = reader.line_num
        where = _("line %(line)d") % {"line": line}
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            problems.append(Problem(where, _("it has %(found)d columns; the first line has %(expected)d. "
                                             "Is there a “%(delimiter)s” inside a value without quotes?")
                                    % {"found": len(row), "expected": len(header), "delimiter": delimiter}))
            continue
        value = {key: (row[i].strip() if i < len(row) else "") for key, i in columns.items()}
        if not value.get("title"):
            problems.append(Problem(where, _("the title is empty")))
            continue
        year = value.get("year", "")
        if year and not re.fullmatch(r"\d{4}", year):
            problems.append(Problem(where, _("the year “%(year)s” is not a four-digit year") % {"year": year}))
            continue
        isbn = ""
        if value.get("isbn"):
            isbn = normalise_isbn(value["isbn"])
            if not isbn:
                problems.append(Problem(where, _("“%(isbn)s” is not an ISBN (10 or 13 digits)")
                                        % {"isbn": value["isbn"]}))
                continue
        authors = [a.strip() for a in re.split(r"\s*;\s*|\s+&\s+", value.get("author", "")) if a.strip()]
        title = _clean(value["title"])
        items.append(Item(
            identifier=("isbn:" + isbn) if isbn else fallback_identifier(title, authors, year),
            title=title, authors=authors, publisher=value.get("publisher", ""), year=year, isbn=isbn,
            call_number=value.get("call_number", ""),
            raw={"line": line, **{h or f"column {i + 1}": (row[i] if i < len(row) else "")
                                  for i, h in enumerate(header)}},
        ))
        if len(problems) >= MAX_ERRORS:
            break
    if problems:
        raise ParseError(problems[:MAX_ERRORS])
    if not items:
        raise ParseError([Problem(_("file"), _("The file has a header line but no titles."))])
    return items


def detect_format(data: bytes, file_name: str = "") -> str:
    """"iso2709", "marcxml" or "csv", from the file's first bytes (and its name when unsure)."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \r\n\t")
    if head.startswith(b"<"):
        return "marcxml"
    if len(head) >= 24 and head[:5].isdigit():
        return "iso2709"
    name = file_name.lower()
    if name.endswith((".mrc", ".marc", ".iso", ".dat")):
        return "iso2709"
    return "csv"


def parse_upload(data: bytes, fmt: str) -> list[Item]:
    """Items from an uploaded file in `fmt` ("iso2709", "marcxml" or "csv")."""
    return {"iso2709": parse_iso2709, "marcxml": parse_marcxml, "csv": parse_csv}[fmt](data)


# --- SLiMS OPAC RSS ------------------------------------------------------------------------------

def parse_slims_rss(data: bytes, base_url: str) -> list[Item]:
    """Items from a SLiMS OPAC RSS 2.0 feed (pubDate is the date the title was entered)."""
    root = parse_xml(data)
    channel = root.find("channel")
    if _local(root.tag) != "rss" or channel is None:
        raise ParseError([Problem(_("feed"), _("This is not an RSS 2.0 feed."))])
    items = []
    for number, entry in enumerate(channel.findall("item"), 1):
        def text(name, entry=entry):
            el = entry.find(name)
            return re.sub(r"\s+", " ", el.text or "").strip() if el is not None else ""

        link = text("link")
        identifier = text("guid") or link
        title = _clean(text("title"))
        if not title:
            continue
        added_at = None
        if text("pubDate"):
            try:
                added_at = parsedate_to_datetime(text("pubDate"))
            except (TypeError, ValueError):
                added_at = None
        authors = [a for a in (_clean(x) for x in re.split(r"\s*[;]\s*|\s+-\s+",
                                                            text("author") or text(f"{{{DC_NS}}}creator"))) if a]
        cover = ""
        enclosure = entry.find("enclosure")
        if enclosure is not None and (enclosure.get("type") or "").startswith("image/"):
            url = (enclosure.get("url") or "").strip()
            # Only a web address: the cover becomes a link on the staff pages (no javascript:).
            cover = url if url.lower().startswith(("http://", "https://")) else ""
        image = text("image")
        if not cover and image:
            # SLiMS names the cover file; the file lives under images/docs/.
            cover = image if image.startswith(("http://", "https://")) else \
                urljoin(base_url.rstrip("/") + "/", "images/docs/" + image.lstrip("/"))
        description = re.sub(r"<[^>]+>", " ", text("description"))
        isbn = normalise_isbn(description) if "isbn" in description.lower() else ""
        items.append(Item(
            identifier=identifier or fallback_identifier(title, authors, ""), title=title, authors=authors,
            isbn=isbn, year=_year(text(f"{{{DC_NS}}}date")), cover_url=cover,
            subjects=[_clean(c.text) for c in entry.findall("category") if c.text],
            added_at=added_at, raw={"link": link, "title": text("title"), "pubDate": text("pubDate"),
                                    "description": description.strip()[:2000], "number": number},
        ))
    return items
