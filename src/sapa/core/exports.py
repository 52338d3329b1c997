"""The one spreadsheet writer: every app's export is a header and rows fed to it.

CSV (`,` or `;`, UTF-8 with a byte-order mark so that spreadsheet programs read
UTF-8 (unless the reader is a tool that wants none), lines ending in CRLF) and XLSX (XlsxWriter in `constant_memory` mode:
each row goes to a temporary file as soon as it is complete). Rows may be an
iterator: with `stream=True` the CSV goes to the client line by line and the
workbook is streamed from a temporary file, so a large export runs in
constant memory (the event's registrations); without it the answer is one
HttpResponse (the small lists of the survey, the prizes, the attendance and
the charts).

Cells: None and "" are empty; ints and floats are numbers; datetimes (naive,
already in the event's zone) are written as "YYYY-MM-DD HH:MM" in CSV and as
dates in XLSX; every text goes through `safe_text()`, the one formula guard.
The header is written as it is.
"""

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from sapa.core.inputs import without_control_characters

BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DELIMITERS = {"csv": ",", "csv-semicolon": ";"}

# A cell beginning like a formula is shown as text, so a spreadsheet never runs it
# (CSV injection). Phone numbers such as +6281234567890 and plain numbers stay as they are.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"^[+-]?\d[\d\s.,]*$")


def safe_text(value: str) -> str:
    """`value` without control characters, with a leading ' when it would start a formula."""
    # Rows stored before control characters were refused (sapa.core.inputs) export without them.
    value = without_control_characters(value) if value else value
    if value and value.startswith(FORMULA_START) and not _NUMBER_LIKE.match(value):
        return "'" + value
    return value


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str):
        return safe_text(value)
    return str(value)


class _Echo:
    """A file-like object whose write() hands the line back, for csv.writer."""

    def write(self, value):
        return value


def iter_csv(
    header: list, rows: Iterable, *, delimiter: str = ",", bom: bool = True
) -> Iterator[str]:
    """The CSV's lines, one string at a time; the first starts with the byte-order mark (with bom)."""
    writer = csv.writer(_Echo(), delimiter=delimiter, lineterminator="\r\n")
    yield (BOM if bom else "") + writer.writerow([str(title) for title in header])
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row])


def to_csv(header: list, rows: Iterable, *, delimiter: str = ",", bom: bool = True) -> str:
    return "".join(iter_csv(header, rows, delimiter=delimiter, bom=bom))


def write_xlsx(
    header: list, rows: Iterable, target, *, sheet: str, widths: tuple[int, int] | None = None
) -> int:
    """Write the workbook to `target` (a path or a binary file); returns the number of rows.

    `widths` is (first column, the others) in characters.
    """
    # inside: heavy: xlsxwriter only for XLSX exports
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "in_memory": False,
            "tmpdir": tempfile.gettempdir(),
            # Text stays text: no formulas, no numbers or URLs guessed from strings.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    worksheet = workbook.add_worksheet(str(sheet)[:31])
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for col, title in enumerate(header):
        worksheet.write_string(0, col, str(title), bold)
    worksheet.freeze_panes(1, 0)
    if widths:
        worksheet.set_column(0, 0, widths[0])
        worksheet.set_column(1, max(len(header) - 1, 1), widths[1])
    count = 0
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, datetime):
                worksheet.write_datetime(r, col, value, when)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                worksheet.write_number(r, col, value)
            else:
                worksheet.write_string(r, col, safe_text(str(value)))
        count = r
    workbook.close()
    return count


def response(
    fmt: str,
    header: list,
    rows: Iterable,
    filename: str,
    *,
    sheet: str = "",
    widths: tuple[int, int] | None = None,
    stream: bool = False,
    cache: str = "no-store",
    bom: bool = True,
):
    """The download of header and rows in `fmt` ("csv", "csv-semicolon" or "xlsx") named `filename`
    (without its extension). ValueError on another format."""
    if fmt == "xlsx":
        handle = tempfile.TemporaryFile(suffix=".xlsx")
        write_xlsx(header, rows, handle, sheet=sheet, widths=widths)
        handle.seek(0)
        if stream:  # the file goes when the response closes
            return FileResponse(
                handle,
                as_attachment=True,
                filename=f"{filename}.xlsx",
                content_type=XLSX_TYPE,
                headers={"Cache-Control": cache},
            )
        with handle:
            answer = HttpResponse(handle.read(), content_type=XLSX_TYPE)
        extension = "xlsx"
    elif fmt in DELIMITERS:
        lines = iter_csv(header, rows, delimiter=DELIMITERS[fmt], bom=bom)
        answer = (
            StreamingHttpResponse(lines, content_type=CSV_TYPE)
            if stream
            else HttpResponse("".join(lines), content_type=CSV_TYPE)
        )
        extension = "csv"
    else:
        raise ValueError(fmt)
    answer["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    answer["Cache-Control"] = cache
    return answer
