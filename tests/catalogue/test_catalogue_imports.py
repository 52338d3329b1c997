"""Uploaded MARC, MARCXML and CSV files: each encoding, and broken files refused whole."""

import pytest
from catalogue_helpers import marc_record, marcxml_of
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sapa.catalogue import parsers, services
from sapa.catalogue.models import Acquisition, ImportRun, RunStatus
from sapa.libraries.models import AuditEntry


def iso2709(*records) -> bytes:
    return b"".join(r.as_marc() for r in records)


def upload(client, library, name, data, fmt="auto"):
    return client.post(reverse("catalogue-upload", args=[library.slug]),
                       {"file": SimpleUploadedFile(name, data), "format": fmt})


@pytest.mark.django_db
def test_marc_iso2709_upload(admin_client, library):
    data = iso2709(marc_record(1, title="Negeri 5 Menara"), marc_record(2, author="Ahmad Fuadi"),
                   marc_record(3, isbn=None)) + b"\n"
    response = upload(admin_client, library, "baru.mrc", data)
    assert response.status_code == 302
    run = ImportRun.objects.get(library=library)
    assert (run.status, run.created_count) == (RunStatus.DONE, 3)
    book = Acquisition.objects.get(library=library, identifier="marc:INLIS000001")
    assert (book.title, book.authors, book.call_number) == ("Negeri 5 Menara", "Tere Liye", "899.221 TER b")
    assert AuditEntry.objects.filter(library=library, action="catalogue.imported").exists()
    # The same file again updates the titles instead of copying them.
    upload(admin_client, library, "baru.mrc", data)
    assert Acquisition.objects.filter(library=library).count() == 3


@pytest.mark.django_db
def test_marcxml_upload(admin_client, library):
    body = ('<?xml version="1.0" encoding="UTF-8"?><collection xmlns="http://www.loc.gov/MARC21/slim">'
            + marcxml_of(marc_record(7, title="Ronggeng Dukuh Paruk")) + marcxml_of(marc_record(8))
            + "</collection>")
    response = upload(admin_client, library, "koha.xml", body.encode())
    assert response.status_code == 302
    assert sorted(Acquisition.objects.values_list("title", flat=True)) == ["Buku nomor 8", "Ronggeng Dukuh Paruk"]


CSV_ROWS = [
    ["title", "author", "publisher", "year", "isbn", "call number"],
    ["Cantik Itu Luka", "Eka Kurniawan", "Gramedia", "2015", "978-602-03-1258-3", "899.221 KUR c"],
    ["Sang Pemimpi; edisi baru", "Andrea Hirata", "Bentang", "2006", "", "899.221 HIR s"],
    ["Café di Ujung Jalan", "Dée Lestari", "Bentang", "2019", "", ""],
]


def csv_bytes(delimiter: str, encoding: str) -> bytes:
    lines = []
    for row in CSV_ROWS:
        lines.append(delimiter.join(f'"{c}"' if delimiter in c else c for c in row))
    return "\r\n".join(lines).encode(encoding) + b"\r\n"


@pytest.mark.django_db
@pytest.mark.parametrize(("delimiter", "encoding"), [(",", "utf-8"), (";", "utf-8-sig"), (";", "cp1252"),
                                                     (",", "cp1252")])
def test_csv_upload_in_each_encoding(admin_client, library, delimiter, encoding):
    response = upload(admin_client, library, "koleksi.csv", csv_bytes(delimiter, encoding))
    assert response.status_code == 302
    titles = dict(Acquisition.objects.filter(library=library).values_list("title", "authors"))
    assert titles == {"Cantik Itu Luka": "Eka Kurniawan", "Sang Pemimpi; edisi baru": "Andrea Hirata",
                      "Café di Ujung Jalan": "Dée Lestari"}
    book = Acquisition.objects.get(title="Cantik Itu Luka")
    assert (book.isbn, book.year, book.call_number, book.identifier) == (
        "9786020312583", "2015", "899.221 KUR c", "isbn:9786020312583")


@pytest.mark.django_db
def test_broken_csv_names_the_line_and_imports_nothing(admin_client, library):
    data = (b"judul;pengarang;tahun\nLaskar Pelangi;Andrea Hirata;2005\n;Tanpa Judul;2001\n"
            b"Supernova;Dee;dua ribu\n")
    response = upload(admin_client, library, "rusak.csv", data)
    page = response.content.decode()
    assert response.status_code == 400  # refused: the form again, with why
    assert "baris 3" in page and "baris 4" in page
    assert "dua ribu" in page
    assert Acquisition.objects.count() == 0
    assert ImportRun.objects.get().status == RunStatus.FAILED


@pytest.mark.django_db
def test_truncated_marc_record_is_refused_with_its_number(admin_client, library):
    good = iso2709(marc_record(1), marc_record(2))
    third = marc_record(3).as_marc()
    data = good + third[: len(third) - 40]  # the export broke off in the middle of record 3
    response = upload(admin_client, library, "ekspor.mrc", data)
    page = response.content.decode()
    assert "rekaman 3" in page
    assert "terpotong" in page
    assert "Tidak ada yang diimpor" in page
    assert Acquisition.objects.count() == 0
    assert AuditEntry.objects.filter(library=library, action="catalogue.import_refused").exists()


@pytest.mark.django_db
def test_bad_leader_and_directory(library):
    first, second = marc_record(1).as_marc(), marc_record(2).as_marc()
    bad_length = first + b"12x45" + second[5:]
    with pytest.raises(parsers.ParseError) as caught:
        parsers.parse_iso2709(bad_length)
    assert caught.value.problems[0].where.startswith("rekaman 2")
    assert "panjang rekaman" in caught.value.problems[0].reason

    # A directory entry that points past the record's data.
    base = int(second[12:17])
    directory = second[24:base - 1]
    broken_dir = second[:24] + directory[:7] + b"99999" + directory[12:] + second[base - 1:]
    with pytest.raises(parsers.ParseError) as caught:
        parsers.parse_iso2709(first + broken_dir)
    assert caught.value.problems[0].where == "rekaman 2 (bita 392)"
    assert "entri direktori ruas 001" in caught.value.problems[0].reason

    run = services.import_file(library, first + broken_dir, file_name="x.mrc")
    assert run.status == RunStatus.FAILED
    assert Acquisition.objects.count() == 0


@pytest.mark.django_db
def test_marc_record_without_title_and_broken_xml(library):
    run = services.import_file(library, iso2709(marc_record(1), marc_record(2, title=False)), file_name="a.mrc")
    assert run.status == RunStatus.FAILED
    assert run.errors == [{"where": "rekaman 2", "reason": "tidak punya judul"}]
    run = services.import_file(library, b"<collection><record><leader>x</leader>\n<oops></collection>",
                               file_name="a.xml")
    assert run.status == RunStatus.FAILED
    assert run.errors[0]["where"] == "baris 2"
    assert Acquisition.objects.count() == 0


@pytest.mark.django_db
def test_upload_size_limit(admin_client, library, settings):
    settings.CATALOGUE_UPLOAD_MAX_BYTES = 1024 * 1024
    response = upload(admin_client, library, "besar.csv", b"title\n" + b"a\n" * 600_000)
    assert response.status_code == 400  # refused: the form again, with why
    assert "1 MB" in response.content.decode()
    assert Acquisition.objects.count() == 0
