"""OAI-PMH and SLiMS harvests against a local catalogue that checks the requests."""

from datetime import UTC, datetime

import pytest
from catalogue_helpers import marc_record, marcxml_of
from django.urls import reverse

from sapa.catalogue import services, tasks
from sapa.catalogue.models import Acquisition, CatalogueSource, ImportRun, RunStatus, SourceKind
from sapa.libraries.models import AuditEntry

OAI_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<responseDate>2025-03-01T00:00:00Z</responseDate><request verb="ListRecords">{url}</request>')


def dc_record(n: int) -> str:
    return (f'<record><header><identifier>oai:inlislite:{n}</identifier><datestamp>2025-02-{n:02d}</datestamp>'
            f'<setSpec>dewey:800</setSpec></header><metadata>'
            f'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<dc:title>Laut Bercerita {n} /</dc:title><dc:creator>Leila S. Chudori</dc:creator>'
            f'<dc:publisher>Kepustakaan Populer Gramedia</dc:publisher><dc:date>2017</dc:date>'
            f'<dc:identifier>ISBN 978-602-424-694-{n % 10}</dc:identifier>'
            f'<dc:identifier>https://opac.example.id/uploaded_files/sampul/{n}.jpg</dc:identifier>'
            f'<dc:subject>Fiksi</dc:subject></oai_dc:dc></metadata></record>')


def marc_oai_record(n: int) -> str:
    return (f'<record><header><identifier>oai:inlislite:{n}</identifier><datestamp>2025-02-{n:02d}T08:00:00Z'
            f'</datestamp></header><metadata>{marcxml_of(marc_record(n))}</metadata></record>')


def deleted_record(n: int) -> str:
    return (f'<record><header status="deleted"><identifier>oai:inlislite:{n}</identifier>'
            f'<datestamp>2025-02-01</datestamp></header></record>')


def paged_catalogue(fake, record, *, extra_last=""):
    """Three pages of two records, linked by resumption tokens (the last one empty)."""
    tokens = {None: ("tok-1", [1, 2]), "tok-1": ("tok-2", [3, 4]), "tok-2": ("", [5, 6])}

    def handler(path, params):
        assert path == "/oai"
        token = params.get("resumptionToken")
        if token is not None and token not in tokens:
            return 200, (OAI_HEAD.format(url=fake.url) + '<error code="badResumptionToken">expired</error>'
                         "</OAI-PMH>").encode()
        next_token, numbers = tokens[token]
        body = "".join(record(n) for n in numbers)
        if not next_token:
            body += extra_last
        body += (f'<resumptionToken completeListSize="6" cursor="{numbers[0] - 1}">{next_token}'
                 f"</resumptionToken>")
        return 200, (OAI_HEAD.format(url=fake.url) + f"<ListRecords>{body}</ListRecords></OAI-PMH>").encode()

    fake.handler = handler


def oai_source(library, fake, prefix="oai_dc", **extra):
    return CatalogueSource.objects.create(library=library, name="INLISLite", kind=SourceKind.OAI_PMH,
                                          base_url=fake.url + "/oai", metadata_prefix=prefix, **extra)


def harvest(source):
    run = services.new_harvest_run(source)
    return services.run_harvest(run.pk)


@pytest.mark.django_db
def test_oai_dc_harvest_follows_resumption_tokens(library, catalogue_server):
    paged_catalogue(catalogue_server, dc_record, extra_last=deleted_record(7))
    source = oai_source(library, catalogue_server, set_spec="dewey:800")

    run = harvest(source)

    assert run.status == RunStatus.DONE, run.errors
    assert (run.created_count, run.updated_count, run.pages, run.skipped_count) == (6, 0, 3, 1)
    first, second, third = [params for _, params in catalogue_server.requests]
    assert first == {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "dewey:800"}
    # resumptionToken is exclusive: only the verb goes with it.
    assert second == {"verb": "ListRecords", "resumptionToken": "tok-1"}
    assert third == {"verb": "ListRecords", "resumptionToken": "tok-2"}
    book = Acquisition.objects.get(library=library, identifier="oai:inlislite:3")
    assert book.title == "Laut Bercerita 3"
    assert book.authors == "Leila S. Chudori"
    assert book.publisher == "Kepustakaan Populer Gramedia"
    assert (book.year, book.isbn) == ("2017", "9786024246943")
    assert book.cover_url == "https://opac.example.id/uploaded_files/sampul/3.jpg"
    assert book.subjects == ["Fiksi"]
    assert book.added_at == datetime(2025, 2, 3, tzinfo=UTC)
    source.refresh_from_db()
    assert source.last_harvested_at is not None
    assert AuditEntry.objects.filter(library=library, action="catalogue.harvested").exists()


@pytest.mark.django_db
def test_marc21_harvest_and_incremental_from(library, catalogue_server):
    paged_catalogue(catalogue_server, marc_oai_record)
    source = oai_source(library, catalogue_server, prefix="marc21")

    run = harvest(source)
    assert run.status == RunStatus.DONE, run.errors
    assert run.created_count == 6
    assert catalogue_server.requests[0][1] == {"verb": "ListRecords", "metadataPrefix": "marc21"}
    book = Acquisition.objects.get(library=library, identifier="oai:inlislite:5")
    assert book.title == "Buku nomor 5"
    assert book.authors == "Tere Liye"
    assert (book.publisher, book.year, book.isbn) == ("Gramedia Pustaka Utama", "2023", "9786020332956")
    assert book.call_number == "899.221 TER b"
    assert book.cover_url == "https://opac.example.id/uploaded/5.jpg"
    assert book.raw["metadata"]["fields"][0] == {"001": "INLIS000005"}

    # The next harvest asks only for what changed since the last one, and updates instead of copying.
    catalogue_server.requests.clear()
    source.refresh_from_db()
    source.last_harvested_at = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)
    source.save()
    run = harvest(source)
    assert catalogue_server.requests[0][1] == {"verb": "ListRecords", "metadataPrefix": "marc21",
                                               "from": "2025-03-01"}
    assert (run.created_count, run.updated_count) == (0, 6)
    assert Acquisition.objects.filter(library=library).count() == 6


@pytest.mark.django_db
def test_no_records_match_is_zero(library, catalogue_server):
    catalogue_server.handler = lambda path, params: (200, (
        OAI_HEAD.format(url="x") + '<error code="noRecordsMatch">nothing new</error></OAI-PMH>').encode())
    run = harvest(oai_source(library, catalogue_server))
    assert run.status == RunStatus.DONE
    assert run.total == 0


@pytest.mark.django_db
def test_oai_error_midway_imports_nothing(library, catalogue_server):
    paged_catalogue(catalogue_server, dc_record)
    original = catalogue_server.handler

    def handler(path, params):
        if params.get("resumptionToken") == "tok-2":
            params = {**params, "resumptionToken": "stale"}
        return original(path, params)

    catalogue_server.handler = handler
    source = oai_source(library, catalogue_server)

    run = harvest(source)

    assert run.status == RunStatus.FAILED
    assert run.errors[0]["where"] == "halaman 3"
    assert "badResumptionToken" in run.errors[0]["reason"]
    assert "kedaluwarsa" in run.errors[0]["reason"]
    assert Acquisition.objects.filter(library=library).count() == 0  # pages 1 and 2 were not kept
    source.refresh_from_db()
    assert source.last_harvested_at is None


@pytest.mark.django_db
def test_cannot_disseminate_and_http_errors_are_explained(library, catalogue_server):
    catalogue_server.handler = lambda path, params: (200, (
        OAI_HEAD.format(url="x") + '<error code="cannotDisseminateFormat"/></OAI-PMH>').encode())
    run = harvest(oai_source(library, catalogue_server, prefix="marcxml"))
    assert run.status == RunStatus.FAILED
    assert "cannotDisseminateFormat" in run.errors[0]["reason"]

    catalogue_server.handler = lambda path, params: (500, b"oops")
    run = harvest(oai_source(library, catalogue_server))
    assert run.status == RunStatus.FAILED
    assert "500" in run.errors[0]["reason"]


SLIMS_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>OPAC Perpustakaan</title><link>{url}</link>
<description>Koleksi terbaru</description>
<item><title><![CDATA[Bumi Manusia]]></title><link>{url}/index.php?p=show_detail&amp;id=12</link>
<author>Pramoedya Ananta Toer</author><pubDate>Mon, 03 Mar 2025 09:15:00 +0700</pubDate>
<image>bumi_manusia.jpg</image><description><![CDATA[<p>ISBN: 979-97312-3-2</p>]]></description></item>
<item><title>Cantik Itu Luka</title><link>{url}/index.php?p=show_detail&amp;id=13</link>
<pubDate>Sun, 02 Mar 2025 10:00:00 +0700</pubDate></item>
</channel></rss>"""


@pytest.mark.django_db
def test_slims_rss_feed(library, catalogue_server):
    catalogue_server.handler = lambda path, params: (200, SLIMS_FEED.format(url=catalogue_server.url).encode())
    source = CatalogueSource.objects.create(library=library, name="SLiMS", kind=SourceKind.SLIMS_RSS,
                                            base_url=catalogue_server.url + "/")
    run = harvest(source)
    assert run.status == RunStatus.DONE, run.errors
    path, params = catalogue_server.requests[0]
    assert path == "/index.php"
    assert params["rss"] == "true" and "search" in params
    book = Acquisition.objects.get(library=library, title="Bumi Manusia")
    assert book.identifier == catalogue_server.url + "/index.php?p=show_detail&id=12"
    assert book.authors == "Pramoedya Ananta Toer"
    assert book.isbn == "9799731232"
    assert book.cover_url == catalogue_server.url + "/images/docs/bumi_manusia.jpg"
    assert book.added_at == datetime(2025, 3, 3, 2, 15, tzinfo=UTC)
    assert Acquisition.objects.filter(library=library).count() == 2


@pytest.mark.django_db
def test_harvest_now_runs_a_job_and_shows_the_result(admin_client, library, catalogue_server,
                                                    django_capture_on_commit_callbacks):
    paged_catalogue(catalogue_server, dc_record)
    source = oai_source(library, catalogue_server)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("catalogue-source-harvest", args=[library.slug, source.pk]))
    run = ImportRun.objects.get(source=source)
    assert response.status_code == 302
    assert response["Location"] == reverse("catalogue-run", args=[library.slug, run.pk])
    assert run.status == RunStatus.DONE
    page = admin_client.get(response["Location"]).content.decode()
    assert "Judul baru" in page and ">6<" in page
    sources_page = admin_client.get(reverse("catalogue-sources", args=[library.slug])).content.decode()
    assert "6 baru, 0 diperbarui" in sources_page


@pytest.mark.django_db
def test_nightly_harvest_queues_oai_sources(library, catalogue_server, django_capture_on_commit_callbacks):
    paged_catalogue(catalogue_server, dc_record)
    oai_source(library, catalogue_server)
    CatalogueSource.objects.create(library=library, name="Unggahan", kind=SourceKind.UPLOAD)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.queue_nightly_harvests() == 1
    assert Acquisition.objects.filter(library=library).count() == 6
