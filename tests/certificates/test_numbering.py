"""Number patterns and series (the counters' names)."""

from datetime import date

import pytest
from cert_helpers import attendees, make_design, make_event
from django.core.exceptions import ValidationError

from sapa.certificates import numbering, services
from sapa.certificates.models import Certificate, NumberSeries

pytestmark = pytest.mark.django_db


def test_patterns_fill_in_the_event_date():
    values = numbering.values(date(2020, 7, 21))
    assert numbering.format_number("{seq:03d}/SS-MEDSOS/{month_roman}/{year}", 1, values) == "001/SS-MEDSOS/VII/2020"
    assert numbering.format_number("SERT-{year}{month}{day}-{seq:05d}", 42, values) == "SERT-20200721-00042"
    assert [numbering.values(date(2020, m, 1))["month_roman"] for m in (1, 4, 9, 12)] == ["I", "IV", "IX", "XII"]


def test_the_series_is_the_number_without_its_running_part():
    july = numbering.values(date(2020, 7, 21))
    august = numbering.values(date(2020, 8, 3))
    pattern = "{seq:03d}/SS-MEDSOS/{month_roman}/{year}"
    assert numbering.series_key(pattern, july) == "{seq}/SS-MEDSOS/VII/2020"
    assert numbering.series_key(pattern, august) == "{seq}/SS-MEDSOS/VIII/2020"
    assert numbering.series_key("{seq:04d}/SS-MEDSOS/{month_roman}/{year}", july) == "{seq}/SS-MEDSOS/VII/2020"


@pytest.mark.parametrize("pattern", ["SERT", "{seq}{seq}", "{seq:03d}/{bulan}", "{seq:03d/{year}", "{seq:xyz}"])
def test_unusable_patterns_are_refused(pattern):
    with pytest.raises(ValidationError):
        numbering.validate_pattern(pattern)


def test_two_events_of_one_month_share_the_series_and_a_new_year_starts_at_one(library):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    first = make_design(make_event(library, slug="a"))
    second_event = make_event(library, slug="b")
    second = make_design(second_event)
    attendees(first.event, names=["A", "B"])
    attendees(second_event, names=["C"], start=10)
    services.issue(first)
    services.issue(second)
    assert sorted(Certificate.objects.values_list("number", flat=True)) == [
        "001/SS-MEDSOS/VII/2020", "002/SS-MEDSOS/VII/2020", "003/SS-MEDSOS/VII/2020"]
    next_year = make_event(library, slug="c")
    next_year.starts_at = next_year.ends_at = datetime(2021, 7, 1, 9, tzinfo=ZoneInfo("Asia/Jakarta"))
    next_year.save()
    attendees(next_year, names=["D"], start=20)
    [certificate] = services.issue(make_design(next_year))
    assert certificate.number == "001/SS-MEDSOS/VII/2021"
    assert sorted(NumberSeries.objects.values_list("key", "last")) == [
        ("{seq}/SS-MEDSOS/VII/2020", 3), ("{seq}/SS-MEDSOS/VII/2021", 1)]
