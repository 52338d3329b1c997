"""sapa.core.exports: the one formula guard (a property under hypothesis) and the one writer."""

import csv
import io
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from sapa.core.exports import FORMULA_START, response, safe_text, to_csv
from sapa.core.inputs import without_control_characters

# Texts that start like formulas often, and anything else besides.
texts = st.one_of(
    st.text(),
    st.builds(
        lambda head, tail: head + tail, st.sampled_from(FORMULA_START + ("'", "0", "6")), st.text()
    ),
    st.from_regex(r"[+-]?[0-9][0-9 .,]*", fullmatch=True),
)


def _plain_number(text: str) -> bool:
    """A sign, then a digit, then only digits, spaces, dots and commas: nothing a spreadsheet could run."""
    return (
        len(text) > 1
        and text[0] in "+-"
        and text[1].isdecimal()
        and all(ch.isdecimal() or ch.isspace() or ch in ".," for ch in text[1:])
    )


@settings(max_examples=500, deadline=None)
@given(texts)
def test_the_guard_quotes_every_formula_and_changes_nothing_else(value):
    out = safe_text(value)
    clean = without_control_characters(value)
    # Nothing is lost or changed: at most a leading quote is added.
    assert out in (clean, "'" + clean)
    # What still starts like a formula is a plain (phone) number.
    if out.startswith(FORMULA_START):
        assert _plain_number(out), out
    # The quote is only added where the text started like a formula.
    if out != clean:
        assert clean.startswith(FORMULA_START)


@given(st.from_regex(r"\+62[0-9]{8,13}", fullmatch=True))
def test_phone_numbers_stay_as_they_are(phone):
    assert safe_text(phone) == phone


def test_every_writer_keeps_phones_and_quotes_formulas():
    """The promotion charts' CSV once quoted "+62…" numbers; every export now shares one guard."""
    rows = [["+6281234567890", '=HYPERLINK("x")', "@SUM(A1)", 3, None, datetime(2026, 1, 2, 3, 4)]]
    text = to_csv(["Phone", "Name", "Note", "n", "empty", "when"], rows, delimiter=";")
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert parsed[1] == [
        "+6281234567890",
        '\'=HYPERLINK("x")',
        "'@SUM(A1)",
        "3",
        "",
        "2026-01-02 03:04",
    ]

    xlsx = response(
        "xlsx",
        ["Phone", "Name", "n", "when"],
        [r[:2] + r[3:4] + r[5:] for r in rows],
        "list",
        sheet="Sheet",
    )
    assert xlsx["Content-Disposition"] == 'attachment; filename="list.xlsx"'
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]] == [
        "+6281234567890",
        '\'=HYPERLINK("x")',
        3,
        datetime(2026, 1, 2, 3, 4),
    ]
