"""Social media metrics: the numbers per variant, channel and overall, the pages, the CSV import."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from sapa.libraries.models import AuditEntry, Role
from sapa.social import metrics, views_metrics
from sapa.social.models import MetricsSource, Network, PostMetrics, PostVariant, VariantState

pytestmark = pytest.mark.django_db


def publish(variant, external_id, days_ago=3, url=""):
    PostVariant.objects.filter(pk=variant.pk).update(
        state=VariantState.PUBLISHED, external_id=external_id, external_url=url,
        published_at=timezone.now() - timedelta(days=days_ago))
    variant.refresh_from_db()
    return variant


def measure(variant, *, reach, likes=0, comments=0, shares=0, clicks=0, hours_ago=0):
    return PostMetrics.objects.create(variant=variant, reach=reach, likes=likes, comments=comments,
                                      shares=shares, clicks=clicks,
                                      fetched_at=timezone.now() - timedelta(hours=hours_ago))


@pytest.fixture
def published(make_channel, make_variant):
    """Two Facebook posts and one Telegram post, published, with metrics (an older row each to ignore)."""
    fb = make_channel(Network.FACEBOOK_PAGE, name="FB Perpus A")
    tg = make_channel(Network.TELEGRAM, name="TG Perpus A")
    a = publish(make_variant(fb, text="Pameran buku"), "1234567890_111", url="https://facebook.com/p/111")
    b = publish(make_variant(fb, text="Lomba resensi"), "1234567890_222", days_ago=10)
    c = publish(make_variant(tg, text="Jam buka"), "55")
    measure(a, reach=10, likes=1, hours_ago=30)  # superseded
    measure(a, reach=200, likes=10, comments=4, shares=3, clicks=3)
    measure(b, reach=100, likes=5, comments=0, shares=0, clicks=5)
    measure(c, reach=None, likes=7)  # Telegram: no reach
    return {"fb": fb, "tg": tg, "a": a, "b": b, "c": c}


def test_engagement_rate_by_reach_per_variant_channel_and_overall(library, published):
    variants = views_metrics.published_variants(library)
    overall, per_channel, pairs = views_metrics.summarise(variants)
    latest = dict((v.pk, m) for v, m in pairs)
    assert latest[published["a"].pk].reach == 200
    assert latest[published["a"].pk].engagement_rate == pytest.approx(20 / 200)
    fb = per_channel[published["fb"].pk]
    assert (fb.variants, fb.reach, fb.likes, fb.interactions) == (2, 300, 15, 30)
    assert fb.rate == pytest.approx(30 / 300)
    # The same rule as metrics.engagement_rate_for_channel.
    assert metrics.engagement_rate_for_channel(published["fb"]) == pytest.approx(fb.rate)
    tg = per_channel[published["tg"].pk]
    assert (tg.likes, tg.rate) == (7, None)  # no reach, no rate
    # Overall: the Telegram likes count as interactions, but the rate only where the reach is known.
    assert (overall.variants, overall.likes, overall.interactions, overall.reach) == (3, 22, 37, 300)
    assert overall.rate == pytest.approx(0.1)
    with translation.override("id"):
        assert views_metrics.percent(overall.rate) == "10,0%"
    with translation.override("en"):
        assert views_metrics.percent(overall.rate) == "10.0%"
    assert views_metrics.percent(None) == "—"


def test_overview_page_shows_channels_chart_and_table(member_client, library, published):
    client = member_client(Role.STAFF)
    response = client.get(reverse("social-metrics", kwargs={"slug": library.slug}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert "FB Perpus A" in html and "TG Perpus A" in html
    assert "10,0%" in html  # the Facebook channel and overall, in Indonesian
    assert "<table" in html
    # Staff may look but not import (an editor's job): no import button.
    assert reverse("social-metrics-import", kwargs={"slug": library.slug}) not in html
    channel = client.get(reverse("social-metrics-channel", kwargs={"slug": library.slug,
                                                                   "channel_id": published["fb"].pk}))
    assert channel.status_code == 200
    page = channel.content.decode()
    assert "https://facebook.com/p/111" in page and "<svg" in page
    assert "TG Perpus A" not in page


def test_period_filter_and_chart_csv(admin_client, library, published):
    url = reverse("social-metrics-csv", kwargs={"slug": library.slug})
    response = admin_client.get(url, {"days": 30})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) >= 5  # the header and a row per week of the last 30 days
    assert sum(int(line.split(",")[1]) for line in lines[1:]) == 300
    page = admin_client.get(reverse("social-metrics", kwargs={"slug": library.slug}), {"days": 365})
    assert page.status_code == 200
    week = admin_client.get(reverse("social-metrics-channel-csv", kwargs={
        "slug": library.slug, "channel_id": published["fb"].pk}), {"days": "nonsense"})
    assert week.status_code == 200


def test_other_librarys_pages_and_channels_are_404(admin_client, library, other_library, published,
                                                   make_user):
    assert admin_client.get(reverse("social-metrics", kwargs={"slug": other_library.slug})).status_code == 404
    assert admin_client.get(reverse("social-metrics-import", kwargs={"slug": other_library.slug})).status_code == 404
    from sapa.social.models import Channel

    theirs = Channel.objects.create(library=other_library, network=Network.TELEGRAM, name="TG B")
    for name in ("social-metrics-channel", "social-metrics-channel-csv"):
        url = reverse(name, kwargs={"slug": library.slug, "channel_id": theirs.pk})
        assert admin_client.get(url).status_code == 404
    anonymous = Client().get(reverse("social-metrics", kwargs={"slug": library.slug}))
    assert anonymous.status_code == 302


# --- CSV import ---------------------------------------------------------------------------------

HEADER = ["Post ID", "Permalink", "Judul", "Jangkauan", "Reaksi", "Komentar", "Dibagikan", "Total klik"]


def export(rows, sep=",", header=HEADER) -> str:
    return "\r\n".join(sep.join(r) for r in [header, *rows]) + "\r\n"


def good_rows(published):
    return [
        ["1234567890_111", "", "Pameran buku — Café Literasi", "1.250", "40", "5", "2", "8"],
        ["", "", "Lomba resensi", "900", "11", "0", "1", "-"],
    ]


def good_rows_with_permalink(published):
    rows = good_rows(published)
    rows[1][1] = "https://facebook.com/p/222/"
    PostVariant.objects.filter(pk=published["b"].pk).update(external_url="https://facebook.com/p/222")
    return rows


@pytest.mark.parametrize("encoding,sep", [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";"), ("cp1252", ",")])
def test_import_each_encoding_and_separator(member_client, library, published, encoding, sep):
    client = member_client(Role.EDITOR)
    data = export(good_rows_with_permalink(published), sep=sep).encode(encoding)
    url = reverse("social-metrics-import", kwargs={"slug": library.slug})
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": SimpleUploadedFile("export.csv", data, "text/csv")})
    assert response.status_code == 302, response.content.decode()[:2000]
    a = metrics.latest(published["a"])
    assert (a.source, a.reach, a.likes, a.comments, a.shares, a.clicks) == (MetricsSource.CSV, 1250, 40, 5, 2, 8)
    b = metrics.latest(published["b"])
    assert (b.reach, b.likes, b.clicks) == (900, 11, 0)
    assert AuditEntry.objects.filter(action="social.metrics_imported", library=library).count() == 1


def test_broken_file_names_line_and_reason_and_stores_nothing(member_client, library, published):
    rows = good_rows(published)
    rows[1][0] = "1234567890_222"
    rows[1][3] = "banyak"
    before = PostMetrics.objects.count()
    data = export(rows, sep=";").encode("utf-8")
    with translation.override("en"):
        with pytest.raises(metrics.CsvImportError) as exc:
            metrics.import_meta_csv(library, data)
    assert exc.value.errors == ['Line 3: "banyak" in the Jangkauan column is not a number.']
    client = member_client(Role.EDITOR)
    response = client.post(reverse("social-metrics-import", kwargs={"slug": library.slug}),
                           {"file": SimpleUploadedFile("export.csv", data, "text/csv")})
    assert response.status_code == 400  # refused: the form again, with why
    html = response.content.decode()
    assert 'role="alert"' in html and "3" in html and "banyak" in html and "Jangkauan" in html
    assert PostMetrics.objects.count() == before


def test_file_without_id_column_is_refused(library, published):
    with translation.override("en"), pytest.raises(metrics.CsvImportError) as exc:
        metrics.import_meta_csv(library, b"Title,Reach\nA,1\n")
    assert "Post ID" in exc.value.errors[0]


def test_unmatched_rows_are_skipped_and_listed(member_client, library, published):
    data = export([["999_999", "", "Bukan punya kita", "10", "1", "0", "0", "0"]]).encode()
    client = member_client(Role.EDITOR)
    response = client.post(reverse("social-metrics-import", kwargs={"slug": library.slug}),
                           {"file": SimpleUploadedFile("x.csv", data, "text/csv")}, follow=True)
    assert response.status_code == 200
    assert "999_999" in response.content.decode()
    assert not PostMetrics.objects.filter(source=MetricsSource.CSV).exists()


def test_staff_cannot_import(member_client, library, published):
    client = member_client(Role.STAFF)
    assert client.get(reverse("social-metrics-import", kwargs={"slug": library.slug})).status_code == 404


def test_daily_fetch_job_exists():
    from sapa.social import tasks

    assert tasks.fetch_social_metrics is not None


def test_line_numbers_count_quoted_line_breaks(library, published):
    data = ('Post ID,Description,Reach,Reactions\n'
            '1234567890_111,"Baris satu\nbaris dua",100,5\n'
            '1234567890_222,Lain,seratus,1\n')
    with translation.override("en"), pytest.raises(metrics.CsvImportError) as exc:
        metrics.import_meta_csv(library, data.encode())
    assert exc.value.errors[0].startswith("Line 4:")
    assert not PostMetrics.objects.filter(source=MetricsSource.CSV).exists()
