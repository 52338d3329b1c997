"""Reading what people upload: CSV (`,` or `;`, UTF-8 with or without BOM, or
Windows-1252) and XLSX, as rows of cells with the line they came from.

Every problem is a FileProblem carrying the line (when there is one) and a
reason in the user's language; the import then stores nothing.
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from django.utils.formats import number_format
from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
# An XLSX is a zip: what it holds once unpacked, read from the zip's directory before
# anything is unpacked (a few KB can unpack to gigabytes). 50,000 rows of a Zoom report
# are about 15 MB of sheet XML.
MAX_XLSX_UNPACKED = 100 * 1024 * 1024
MAX_XLSX_MEMBERS = 1000


class FileProblem(Exception):
    """The file cannot be imported: `line` (1-based, or None) and `reason`."""

    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line = line

    @property
    def message(self) -> str:
        if self.line:
            return _("Line %(line)d: %(reason)s") % {"line": self.line, "reason": self.reason}
        return self.reason


@dataclass
class Row:
    line: int
    cells: list  # str, or datetime/number from XLSX

    def text(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        value = self.cells[index]
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def raw(self, index: int | None):
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    @property
    def blank(self) -> bool:
        return not any(str(c).strip() for c in self.cells if c is not None)


def check_size(data: bytes) -> None:
    if not data:
        raise FileProblem(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise FileProblem(_("The file is %(size)s MB; the most is %(limit)d MB.")
                          % {"size": megabytes(len(data)), "limit": MAX_BYTES // (1024 * 1024)})


def megabytes(size: int) -> str:
    """A size in MB with one decimal, in the reader's language: "5,7" in Indonesian, "5.7" in English."""
    return number_format(round(size / (1024 * 1024), 1), decimal_pos=1)


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252 (Excel on Windows).

    Raises FileProblem for something that is not text at all (an image, a PDF, .xls).
    """
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(_("This is an old Excel file (.xls). Save it as CSV or as an Excel "
                            "workbook (.xlsx) and upload that."))
    if data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise FileProblem(_("This is not a CSV, XLSX or text file."))
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16").lstrip("\ufeff")
    if b"\x00" in data[:4096]:
        # Like every other refusal, it names the line: the first with a NUL byte.
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise FileProblem(_("a control character (a NUL byte) that text never contains: this is not a "
                            "CSV, XLSX or text file."), line=line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise FileProblem(_("The file is neither UTF-8 nor Windows-1252 text.")) from None


def is_xlsx(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


def sniff_delimiter(text: str) -> str:
    """`;` (Excel in Indonesian), tab or `,`: whichever the first lines have most of
    outside quotes."""
    sample = [line for line in text.splitlines()[:30] if line.strip()]
    counts = {";": 0, ",": 0, "\t": 0}
    for line in sample:
        outside = "".join(part for i, part in enumerate(line.split('"')) if i % 2 == 0)
        for d in counts:
            counts[d] += outside.count(d)
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_rows(data: bytes) -> tuple[list[Row], str]:
    """The file's rows and what it was ("csv ;", "csv ,", "xlsx"). Raises FileProblem."""
    check_size(data)
    if is_xlsx(data):
        return _xlsx_rows(data), "xlsx"
    text = decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    start = 1
    try:
        for cells in reader:
            rows.append(Row(start, [c.strip() for c in cells]))
            start = reader.line_num + 1
            if len(rows) > MAX_ROWS:
                raise FileProblem(_("The file has more than %(n)d rows.") % {"n": MAX_ROWS})
    except csv.Error as exc:
        raise FileProblem(_("The file cannot be read as CSV (%(error)s).") % {"error": exc},
                          line=reader.line_num) from None
    name = {";": "csv ;", ",": "csv ,", "\t": "csv tab"}[delimiter]
    return rows, name


def check_unpacked_size(data: bytes) -> None:
    """Refuse a zip (XLSX) whose members unpack to more than MAX_XLSX_UNPACKED, before reading any.

    The sizes are those the zip's central directory declares; Python's zipfile never
    unpacks a member beyond its declared size, so they bound what openpyxl can read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileProblem(_("The file looks like an Excel workbook but cannot be opened. Save it "
                            "again as .xlsx or CSV.")) from None
    unpacked = sum(m.file_size for m in members)
    if len(members) > MAX_XLSX_MEMBERS or unpacked > MAX_XLSX_UNPACKED:
        raise FileProblem(_("The workbook is too large: it unpacks to %(size)d MB; the most is %(limit)d MB. "
                            "Save only the sheet with the participants, or save it as CSV.")
                          % {"size": unpacked // (1024 * 1024), "limit": MAX_XLSX_UNPACKED // (1024 * 1024)})


def _xlsx_rows(data: bytes) -> list[Row]:
    # inside: heavy: openpyxl only for XLSX files
    from openpyxl import load_workbook

    check_unpacked_size(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken zip
        raise FileProblem(_("The file looks like an Excel workbook but cannot be opened. Save it "
                            "again as .xlsx or CSV.")) from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else (v.strip() if isinstance(v, str) else v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            rows.append(Row(number, cells))
            if len(rows) > MAX_ROWS:
                raise FileProblem(_("The file has more than %(n)d rows.") % {"n": MAX_ROWS})
        return rows
    finally:
        book.close()
