"""Exports of registrations: CSV (both separators), XLSX, audit, and constant memory."""

import csv
import io
import time
import tracemalloc
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from staff_helpers import add, event_fixture, member, t  # noqa: F401

from sapa.core.exports import safe_text
from sapa.events import exports
from sapa.events.models import Question, QuestionKind, Registration
from sapa.libraries.models import AuditEntry, Role

pytestmark = pytest.mark.django_db


def export_url(event, fmt, extra=""):
    return f"/staff/{event.library.slug}/events/{event.pk}/registrations/export/?format={fmt}{extra}"


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def answered(event):
    """Three registrations with answers: confirmed, confirmed, waitlisted (capacity 2)."""
    event.capacity = 2
    event.time_zone = "Asia/Makassar"  # WITA, UTC+8
    event.save()
    platform = Question.objects.create(event=event, label="Platform", kind=QuestionKind.MULTIPLE_CHOICE,
                                       choices=["Instagram", "Facebook"], position=1)
    yes_no = Question.objects.create(event=event, label="Pernah ikut?", kind=QuestionKind.YES_NO, position=2)
    region = Question.objects.create(event=event, label="Asal", kind=QuestionKind.REGION, position=3)
    guru = event.categories.get(name="Guru")
    regs = add(event, 3, category=guru)
    regs[0].answers = {str(platform.pk): ["Instagram", "Facebook"], str(yes_no.pk): True,
                       str(region.pk): {"province": "Jawa Barat", "regency": "Kota Bandung"}}
    regs[0].name = "=HYPERLINK(\"http://evil\")"
    regs[0].created_at = datetime(2030, 1, 2, 1, 30, tzinfo=UTC)  # 09:30 WITA
    regs[0].save()
    regs[1].answers = {str(yes_no.pk): False}
    regs[1].save()
    return event, (platform, yes_no, region), regs


@pytest.mark.parametrize("fmt, sep", [("csv", ","), ("csv-semicolon", ";")])
def test_csv_content(admin_client, answered, fmt, sep):
    event, (platform, yes_no, region), regs = answered
    response = admin_client.get(export_url(event, fmt))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    raw = body(response)
    assert raw.startswith("\ufeff".encode())  # the BOM: Excel reads UTF-8
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=sep))
    header = table[0]
    assert header[:7] == [t(h) for h in ["No.", "Status", "Full name", "Email", "WhatsApp number",
                                          "Institution", "Category"]]
    assert len(header) == 7 + 3 + 5
    assert header[7:10] == ["Platform", "Pernah ikut?", "Asal"]
    assert "WITA" in header[10]
    assert len(table) == 4
    first, second, third = table[1:]
    assert first[2] == "'=HYPERLINK(\"http://evil\")"  # never a formula
    assert first[3] == "p0@example.org" and first[4] == "+6281200000000"
    assert first[6] == "Guru"
    assert first[7] == "Instagram, Facebook"
    assert first[8] == t("Yes")
    assert first[9] == "Kota Bandung, Jawa Barat"
    assert first[10] == "2030-01-02 09:30"
    assert second[8] == t("No") and second[7] == ""
    assert third[1] == t("On the waiting list")
    assert third[11] == ""  # never confirmed


def test_xlsx_content(admin_client, answered):
    event, _questions, regs = answered
    response = admin_client.get(export_url(event, "xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(body(response)), read_only=True)
    sheet = book.worksheets[0]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][7:10] == ("Platform", "Pernah ikut?", "Asal") or values[0][7:10] == [
        "Platform", "Pernah ikut?", "Asal"]
    assert len(values) == 4
    first = values[1]
    assert first[0] == 1
    assert first[2] == "'=HYPERLINK(\"http://evil\")"
    assert first[7] == "Instagram, Facebook"
    assert first[10] == datetime(2030, 1, 2, 9, 30)  # a real date cell, in WITA
    assert values[3][11] is None


def test_export_follows_the_filters(admin_client, answered):
    event, _q, regs = answered
    raw = body(admin_client.get(export_url(event, "csv", "&status=waitlisted")))
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [row[3] for row in table[1:]] == ["p2@example.org"]


def test_each_export_is_audited(admin_client, answered, admin_user):
    event, _q, _regs = answered
    body(admin_client.get(export_url(event, "xlsx", "&status=confirmed")))
    entry = AuditEntry.objects.get(action="registrations.exported")
    assert entry.actor == admin_user and entry.library == event.library
    assert entry.object_id == str(event.pk)
    assert entry.data["format"] == "xlsx" and entry.data["rows"] == 2
    assert entry.data["filters"] == {"status": "confirmed"}


def test_unknown_format_goes_back_with_a_message(admin_client, event):
    response = admin_client.get(export_url(event, "pdf"), follow=True)
    assert response.redirect_chain
    assert not AuditEntry.objects.filter(action="registrations.exported").exists()


def test_staff_role_cannot_export(make_user, library, event):
    client = member(make_user, library, Role.STAFF)
    assert client.get(export_url(event, "csv")).status_code == 404
    assert not AuditEntry.objects.filter(action="registrations.exported").exists()


def test_phone_numbers_are_not_mangled():
    assert safe_text("+6281234567890") == "+6281234567890"
    assert safe_text("-12.5") == "-12.5"
    assert safe_text("@SUM(A1)") == "'@SUM(A1)"
    assert safe_text("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"


# --- constant memory --------------------------------------------------------------------------

ROWS = 100_000
BOUND = 30 * 1024 * 1024
SAMPLE_BOUND = 8 * 1024 * 1024


def _bulk(event, n):
    """n confirmed registrations straight into the table, in one INSERT ... SELECT (seconds, not minutes)."""
    import json

    from django.db import connection

    category = event.categories.first()
    question = Question.objects.create(event=event, label="Platform", kind=QuestionKind.MULTIPLE_CHOICE,
                                       choices=["Instagram", "Facebook"])
    answers = json.dumps({str(question.pk): ["Instagram", "Facebook"]})
    when = connection.ops.adapt_datetimefield_value(datetime(2030, 1, 1, tzinfo=UTC))
    table = Registration._meta.db_table
    columns = ("event_id, public_id, manage_token, status, name, email, email_normalized, whatsapp, "
               "institution, category_id, answers, language, source, channel, created_at, updated_at, "
               "confirmed_at, cancelled_by")
    values = ("%s, {uuid}, 't' || i, 'confirmed', 'Peserta Nomor ' || i, 'peserta' || i || '@example.org', "
              "'peserta' || i || '@example.org', '+6281234567890', 'Perpustakaan Umum Daerah', %s, {json}, "
              "'id', 'form', '', %s, %s, %s, ''")
    params = [event.pk, category.pk, answers, when, when, when]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = values.format(uuid="md5(i::text)::uuid", json="%s::jsonb")
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {values} "  # noqa: S608
                           "FROM generate_series(1, %s) AS i", [*params, n])
        else:
            values = values.format(uuid="lower(hex(randomblob(16)))", json="%s")
            cursor.execute(f"INSERT INTO {table} ({columns}) WITH RECURSIVE n(i) AS "  # noqa: S608
                           f"(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) SELECT {values} FROM n",
                           [n, *params])
    assert Registration.objects.filter(event=event).count() == n


def _rss_peak_while(consume) -> tuple[int, object]:
    """Growth of the process's peak resident memory (Linux) while `consume` runs."""
    import re
    from pathlib import Path

    status = Path("/proc/self/status")

    def read(key):
        return int(re.search(rf"{key}:\s+(\d+) kB", status.read_text()).group(1)) * 1024

    Path("/proc/self/clear_refs").write_text("5")  # reset the peak to the current size
    before = read("VmRSS")
    result = consume()
    return read("VmHWM") - before, result


def _peak_while(consume) -> tuple[int, object]:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = consume()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return peak, result


@pytest.mark.slow
def test_100k_rows_export_in_constant_memory(event, tmp_path, capsys):
    """The process's peak resident memory grows by a few MB while 100,000 rows export,
    as CSV and as XLSX; tracemalloc (Python's own allocations, but 5x slower) confirms
    it over the CSV's first 20,000 rows, which would take 16 MB if they were held."""
    event.capacity = ROWS
    event.save()
    started = time.monotonic()
    _bulk(event, ROWS)
    created = time.monotonic()
    qs = exports.registrations_query(event)

    def stream_csv(queryset):
        response = exports.export_response(event, queryset, "csv-semicolon")
        size = lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += 1
        return size, lines

    csv_rss, (size, lines) = _rss_peak_while(lambda: stream_csv(qs))
    assert lines == ROWS + 1 and size > ROWS * 80
    csv_done = time.monotonic()

    sample = 20_000
    traced_peak, (_size, traced_lines) = _peak_while(
        lambda: stream_csv(qs.filter(id__lte=qs.order_by("id").values_list("id", flat=True)[sample - 1])))
    assert traced_lines == sample + 1
    traced_done = time.monotonic()

    target = tmp_path / "export.xlsx"
    xlsx_rss, count = _rss_peak_while(lambda: exports.write_xlsx(event, qs, str(target)))
    assert count == ROWS
    xlsx_done = time.monotonic()
    with capsys.disabled():
        print(f"\nexport of {ROWS} rows (created in {created - started:.1f}s): CSV {csv_done - created:.1f}s, "
              f"{size / 1e6:.1f} MB, RSS peak +{csv_rss / 1e6:.1f} MB; CSV of {sample} traced "
              f"{traced_done - csv_done:.1f}s, Python peak +{traced_peak / 1e6:.1f} MB; XLSX "
              f"{xlsx_done - traced_done:.1f}s, {target.stat().st_size / 1e6:.1f} MB, "
              f"RSS peak +{xlsx_rss / 1e6:.1f} MB")
    # Holding the rows would take far more: 100,000 rows of 14 Python values are > 100 MB.
    assert csv_rss < BOUND, csv_rss
    assert traced_peak < SAMPLE_BOUND, traced_peak
    assert xlsx_rss < BOUND, xlsx_rss
