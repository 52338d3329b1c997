"""“Start a report from this event”: the draft carries the event's date, platform, seats and
how fast they filled, participants per category, speakers and winners, in Indonesian."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from factories import make_event, make_member
from news_helpers import client_for

from sapa.events import services as event_services
from sapa.events.models import Event, Registration, RegistrationSource, Speaker
from sapa.libraries.models import Role
from sapa.news import report
from sapa.news.models import Article, ArticleState

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def event(library):
    starts = datetime(2020, 7, 21, 9, 0, tzinfo=JAKARTA)
    opens = datetime(2020, 7, 14, 8, 0, tzinfo=JAKARTA)
    event = make_event(library, capacity=4, title="Sharing Session Pengelolaan Media Sosial Perpustakaan",
                       starts_at=starts, registration_opens_at=opens, meeting_url="https://us02web.zoom.us/j/81234567890")
    Speaker.objects.create(event=event, name="Diar Sunyono", role="Kepala Bagian Umum dan Perpustakaan")
    Speaker.objects.create(event=event, name="Dewindah", role="Moderator", position=1)
    categories = {c.name: c for c in event.categories.all()}
    plan = [("Pustakawan", 1), ("Pustakawan", 2), ("Guru", 3), ("Masyarakat umum", 5), ("Guru", 6)]
    names = ["Siti Rahayu", "Agus Santoso", "Rina Lestari", "Budi Hartono", "Dewi Anggraini"]
    for i, (category, hours) in enumerate(plan):
        result = event_services.register(event, name=names[i], email=f"p{i}@example.org",
                                         whatsapp=f"+6281200000{i:03d}", category=categories[category],
                                         consent=True, source=RegistrationSource.STAFF)
        at = opens + timedelta(hours=hours)
        Registration.objects.filter(pk=result.registration.pk).update(
            created_at=at, confirmed_at=at if result.registration.status == "confirmed" else None)
    return event


def test_facts_of_the_event(event):
    facts = report.report_facts(event)
    assert facts.platform == "Zoom"
    assert facts.capacity == 4 and facts.confirmed == 4
    assert facts.full_after_hours == pytest.approx(5.0)   # the fourth seat went 5 hours after opening
    assert sorted(facts.categories) == [("Guru", 1), ("Masyarakat umum", 1), ("Pustakawan", 2)]
    assert facts.speakers[0] == ("Diar Sunyono", "Kepala Bagian Umum dan Perpustakaan")
    assert "Selasa, 21 Juli 2020" == facts.date


def test_report_draft_written_in_indonesian_with_the_numbers(event, admin_user, library):
    article = report.start_report(event, by=admin_user)
    assert article.state == ArticleState.DRAFT and article.event == event
    assert article.title == "Laporan: Sharing Session Pengelolaan Media Sosial Perpustakaan"
    assert article.category.slug == "terkini" and article.author == admin_user
    body = article.body
    assert article.summary == ("Perpustakaan A menggelar Sharing Session Pengelolaan Media Sosial Perpustakaan "
                               "secara daring melalui Zoom pada Selasa, 21 Juli 2020.")
    # Issue 13, item 9: the body opens with the date and the platform it promised.
    assert body.startswith("## Pelaksanaan\n\n- **Kapan**: Selasa, 21 Juli 2020, 09.00–11.00 WIB\n"
                           "- **Platform**: Zoom\n- **Penyelenggara**: Perpustakaan A\n\n## Peserta")
    assert "Kuota 4 kursi terisi penuh hanya dalam waktu 5 jam sejak pendaftaran dibuka." in body
    assert "- Pustakawan: 2 orang" in body and "- Guru: 1 orang" in body
    assert "- **Diar Sunyono**, Kepala Bagian Umum dan Perpustakaan" in body
    assert "Galeri foto" not in body  # the published article adds the gallery under its own heading
    assert "<h2>Narasumber</h2>" in article.body_html
    assert article.revisions.get().action == "created"


def test_never_full_says_how_many_registered(event, admin_user):
    Event.objects.filter(pk=event.pk).update(capacity=50, meeting_url="https://meet.google.com/abc-defg-hij")
    event.refresh_from_db()
    article = report.start_report(event, by=admin_user)
    assert "4 peserta mendaftar untuk kuota 50 kursi." in article.body
    assert "melalui Google Meet" in article.summary


def test_winners_are_listed_by_first_name(event):
    from django.utils import translation

    facts = report.report_facts(event)
    facts.winners = [{"first_name": "Siti", "prize": "Buku"}, {"first_name": "Agus", "prize": "Mug"}]
    with translation.override("id"):
        _, body = report.report_markdown(event, facts)
    assert "## Pemenang door prize\n\n- Siti (Buku)\n- Agus (Mug)" in body


@pytest.mark.parametrize("hours, text", [(0.4, "24 menit"), (5.2, "5 jam"), (50, "2 hari 2 jam"),
                                         (72, "3 hari")])
def test_duration_text(hours, text):
    from django.utils import translation

    with translation.override("id"):
        assert report.duration_text(hours) == text


def test_button_on_the_event_staff_page_creates_the_draft(event, library, make_user):
    client = client_for(make_member(library, Role.STAFF, "staff@example.org"))
    page = reverse("staff-news-event", kwargs={"slug": library.slug, "event_id": event.pk})
    detail = client.get(reverse("staff-event-detail", kwargs={"slug": library.slug, "event_id": event.pk}))
    assert f'href="{page}"' in detail.content.decode()  # the event_nav entry
    response = client.post(page)
    article = Article.objects.get(event=event)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff-news-edit", kwargs={"slug": library.slug,
                                                                      "article_id": article.pk})
    assert article.title in client.get(page).content.decode()


def test_another_library_s_event_is_404(event, other_library):
    outsider = client_for(other_library.memberships.get().user)
    page = reverse("staff-news-event", kwargs={"slug": other_library.slug, "event_id": event.pk})
    assert outsider.post(page).status_code == 404
    assert not Article.objects.exists()


def test_winners_from_the_prizes_app_appear_in_the_report(event, admin_user):
    """The real contract: sapa.prizes.services.winners_for_report after a real draw."""
    from sapa.prizes import services as prizes
    from sapa.prizes.models import Prize

    Prize.objects.create(event=event, name="Buku", quantity=2)
    draw = prizes.prepare_draw(event, require_attended=False, exclude_staff=False)
    prizes.run_draw(draw)
    winners = prizes.winners_for_report(event)
    assert len(winners) == 2
    body = report.start_report(event, by=admin_user).body
    assert "## Pemenang door prize" in body
    confirmed_first_names = {"Siti", "Agus", "Rina", "Budi"}
    for winner in winners:
        assert winner["first_name"] in confirmed_first_names
        assert f"- {winner['first_name']} (Buku)" in body
    # First names only: no family name of anyone reaches the report.
    for family in ("Rahayu", "Santoso", "Lestari", "Hartono", "Anggraini"):
        assert family not in body


def test_attendance_and_categories_say_what_they_count(event, admin_user):
    """Issue 13, item 9: "N attended" above category counts of all registrations, said plainly."""
    from sapa.attendance.services import record_attendance

    people = list(event.registrations.filter(status="confirmed").order_by("pk"))
    for person in people[:3]:
        record_attendance(person, minutes=120)
    body = report.start_report(event, by=admin_user).body
    assert "3 dari 4 peserta terdaftar hadir." in body
    assert "4 peserta terdaftar menurut kategori:" in body
    assert body.index("3 dari 4 peserta terdaftar hadir.") < body.index("4 peserta terdaftar menurut kategori:")


def test_a_published_report_shows_photo_gallery_once(event, admin_user, editor_user, client, settings, tmp_path):
    """Issue 13, item 9: "Galeri foto" appeared twice on the published article."""
    from news_helpers import jpeg_upload

    from sapa.news import services, workflow

    settings.MEDIA_ROOT = tmp_path / "media"
    article = report.start_report(event, by=admin_user)
    services.add_photo(article, jpeg_upload(), by=admin_user, caption="Peserta di Zoom")
    workflow.submit_for_review(article, by=admin_user)
    workflow.approve(article, by=editor_user)
    workflow.publish(article, by=editor_user)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Peserta di Zoom" in page
    assert page.count("Galeri foto") == 1
