"""Certificates made before the event (issue 13, item 7): the staff page warns, and the
certificate is dated on or after the event, never before it."""


import factories
import pytest
from cert_helpers import attendees, make_design, make_event
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from sapa.certificates import services
from sapa.core import timefmt

pytestmark = pytest.mark.django_db


def t(msgid):
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


def _event_next_week(library):
    return factories.make_event(library, slug="minggu-depan", title="Sharing Session Minggu Depan", categories=False)


def test_certificates_made_a_week_early_are_dated_on_the_event_and_the_page_warns(
    admin_client, library, client, django_capture_on_commit_callbacks
):
    event = _event_next_week(library)
    attendees(event, ["Siti Rahmawati", "Budi Santoso"])
    design = make_design(event)
    url = f"/staff/{library.slug}/events/{event.pk}/certificates/"
    page = admin_client.get(url).content.decode()
    assert 'id="not-ended-yet"' in page
    assert timefmt.format_datetime(event.ends_at, event.time_zone) in page

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"{url}designs/{design.pk}/generate/", {"send_email": ""}, follow=True
        )
    assert (
        t(
            "Careful: this event has not ended yet. The certificates are dated on its last day, and they go "
            "to those who attended by the data so far."
        )
        in response.content.decode()
    )
    certificates = list(design.certificates.all())
    assert len(certificates) == 2
    assert all(c.issued_at >= event.ends_at for c in certificates)
    services.render_file(certificates[0], services.layout(design))
    verify = client.get(reverse("certificate-verify", args=[certificates[0].code])).content.decode()
    assert timefmt.format_date(event.ends_at, event.time_zone) in verify
    assert timefmt.format_date(timezone.now(), event.time_zone) not in verify


def test_after_the_event_certificates_carry_the_day_they_were_made(admin_client, library):
    event = make_event(library)  # 21 July 2020
    attendees(event, ["Siti Rahmawati"])
    design = make_design(event)
    page = admin_client.get(
        f"/staff/{library.slug}/events/{event.pk}/certificates/"
    ).content.decode()
    assert 'id="not-ended-yet"' not in page
    before = timezone.now()
    [certificate] = services.issue(design)
    assert certificate.issued_at >= before
