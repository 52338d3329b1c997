"""Dashboard numbers on a small fixture: hours until full, channels (clicks to registrations),
categories, institutions, provinces; charts as SVG, PNG and CSV."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from factories import make_registration
from promotion_helpers import INSTAGRAM_UA, PHONE_UA

from sapa.core import exports
from sapa.events.models import Question, QuestionKind, RegistrationStatus
from sapa.promotion import charts, dashboard, links, stats
from sapa.promotion.models import Channel

pytestmark = pytest.mark.django_db


def add(event, n, at, channel="", status=RegistrationStatus.CONFIRMED, cancelled_at=None, category=None,
        institution="", answers=None):
    return make_registration(
        event, f"P{n}", f"p{n}@example.org", status=status, channel=channel, created_at=at,
        confirmed_at=at if status != RegistrationStatus.WAITLISTED else None,
        waitlisted_at=at if status == RegistrationStatus.WAITLISTED else None,
        cancelled_at=cancelled_at, category=category, institution=institution, answers=answers or {})


@pytest.fixture
def small(make_event):
    opens = timezone.now() - timedelta(days=2)
    event = make_event(slug="kecil", capacity=3, registration_opens_at=opens)
    region = Question.objects.create(event=event, label="Provinsi", kind=QuestionKind.REGION)
    guru, pustakawan = event.categories.get(name="Guru"), event.categories.get(name="Pustakawan")

    def province(name):
        return {str(region.pk): {"province": name, "regency": "Kota"}}

    add(event, 1, opens + timedelta(hours=1), "instagram", category=guru, institution="SMA Negeri 1",
        answers=province("Jawa Barat"))
    add(event, 2, opens + timedelta(hours=2), "instagram", category=guru, institution="sma negeri 1 ",
        answers=province("Jawa Barat"))
    # the third seat is taken at 3 h (full), then freed at 4 h
    add(event, 3, opens + timedelta(hours=3), "whatsapp", status=RegistrationStatus.CANCELLED,
        cancelled_at=opens + timedelta(hours=4), category=pustakawan, institution="Dinas Perpustakaan")
    add(event, 4, opens + timedelta(hours=6), "", category=pustakawan, institution="Dinas Perpustakaan",
        answers=province("Bali"))
    add(event, 5, opens + timedelta(hours=7), "instagram", status=RegistrationStatus.WAITLISTED,
        category=guru, answers=province("Jawa Barat"))
    return event, opens


def test_full_after_hours_counts_from_the_opening(small):
    event, opens = small
    assert stats.full_at(event) == opens + timedelta(hours=3)
    assert stats.full_after_hours(event) == pytest.approx(3.0)


def test_full_after_hours_from_the_first_registration_without_an_opening(small):
    event, opens = small
    event.registration_opens_at = None
    event.save()
    assert stats.full_after_hours(event) == pytest.approx(2.0)


def test_never_full(small):
    event, _ = small
    event.capacity = 10
    event.save()
    assert stats.full_after_hours(event) is None


def test_by_channel_clicks_to_registrations(small):
    event, _ = small
    instagram = links.event_link(event, Channel.INSTAGRAM)
    for agent in (PHONE_UA, INSTAGRAM_UA, PHONE_UA + " x", PHONE_UA + " y"):
        Client(HTTP_USER_AGENT=agent).get(instagram.path)
    Client(HTTP_USER_AGENT=PHONE_UA).get(instagram.path)  # a repeat
    Client(HTTP_USER_AGENT="facebookexternalhit/1.1").get(instagram.path)  # a bot
    Client(HTTP_USER_AGENT=PHONE_UA).get(links.event_link(event, Channel.WHATSAPP).path)
    Client(HTTP_USER_AGENT=PHONE_UA).get(links.event_link(event, Channel.FACEBOOK).path)
    rows = {row.channel: row for row in stats.by_channel(event)}
    assert (rows["instagram"].clicks, rows["instagram"].bots, rows["instagram"].registrations) == (4, 1, 3)
    assert rows["instagram"].conversion == pytest.approx(0.75)
    assert (rows["whatsapp"].clicks, rows["whatsapp"].registrations) == (1, 1)
    assert (rows["facebook"].clicks, rows["facebook"].registrations) == (1, 0)
    assert (rows[""].clicks, rows[""].registrations, rows[""].conversion) == (0, 1, None)
    assert [row.channel for row in stats.by_channel(event)][0] == "instagram"


def test_breakdowns_count_active_registrations(small):
    event, _ = small
    assert stats.by_category(event) == [("Guru", 3), ("Pustakawan", 1)]
    assert stats.by_institution(event) == [("SMA Negeri 1", 2), ("Dinas Perpustakaan", 1)]
    assert stats.by_province(event) == [("Jawa Barat", 3), ("Bali", 1)]


def test_top_15_institutions(make_event):
    event = make_event(slug="ramai")
    now = timezone.now()
    for n in range(40):
        add(event, n, now, institution=f"Sekolah {n % 20:02d}")
    top = stats.by_institution(event)
    assert len(top) == 15 and top[0] == ("Sekolah 00", 2)


def test_charts_svg_png_csv(small):
    event, _ = small
    for key in dashboard.CHART_KEYS:
        chart = dashboard.chart(event, key)
        svg = charts.svg(chart)
        assert svg.startswith("<svg") and 'role="img"' in svg and f"<title id=\"chart-{key}-t\">" in svg
        assert "<script" not in svg and "style=" not in svg
        png = charts.png(chart)
        assert png.startswith(b"\x89PNG")
        csv_text = exports.to_csv(chart.columns, chart.rows)
        assert csv_text.startswith("\ufeff") and len(csv_text.splitlines()) == len(chart.rows) + 1
    over_time = dashboard.chart(event, "over-time")
    assert [row[1] for row in over_time.rows] == [1, 2, 3, 4, 5]
    assert "3,0" in over_time.description


def test_csv_cells_cannot_be_formulas():
    text = exports.to_csv(["Institution", "n"], [["=HYPERLINK(\"x\")", 1]])
    assert "'=HYPERLINK" in text


def test_library_report(small, library):
    event, opens = small
    rows = stats.library_report(library, opens - timedelta(days=1), opens + timedelta(days=30))
    assert len(rows) == 1
    row = rows[0]
    assert (row.registrations, row.confirmed) == (5, 3)
    assert row.full_after_hours == pytest.approx(3.0)
    assert row.top_channels[0] == ("Instagram", 3)
