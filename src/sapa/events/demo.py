"""Demo data: the article's sharing session, on a future date, with some registrations.

Safe to run twice: the event is found by its slug and the registrations by
their email, and nothing already there is changed. The participants are
invented; their emails are at example.org and their numbers are not dialled.
"""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from sapa.events import services
from sapa.events.forms import PROVINCES
from sapa.events.models import (
    Event,
    EventStatus,
    MeetingLinkPolicy,
    Question,
    QuestionKind,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Speaker,
    Visibility,
)

DEMO_SLUG = "sharing-session-medsos-perpustakaan"
TITLE = "Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi Covid-19"
DESCRIPTION = """\
Perpustakaan menyapa pemustaka lewat media sosial. Dalam *sharing session* ini kita
berbagi pengalaman mengelola akun media sosial perpustakaan selama pandemi:

- merencanakan konten yang mendekatkan perpustakaan dengan pemustaka;
- membuat flyer dan mempromosikan kegiatan daring;
- menyapa pemustaka lewat Instagram, Facebook dan WhatsApp;
- mengukur keterlibatan (*engagement*) dan belajar darinya.

Acara melalui Zoom, gratis, untuk pustakawan, pengelola perpustakaan, widyaiswara,
guru dan masyarakat umum. Tersedia *door prize* buku dan suvenir untuk peserta terpilih.
"""

FIRST_NAMES = [
    "Siti", "Dewi", "Rina", "Agus", "Budi", "Eko", "Fitri", "Hendra", "Indah", "Joko", "Kartika",
    "Lestari", "Made", "Nur", "Putu", "Rahmat", "Sri", "Teguh", "Wahyu", "Yuni", "Ahmad", "Bambang",
    "Citra", "Dian", "Fajar", "Gita", "Hasan", "Ika", "Lukman", "Maya", "Nanda", "Ratna", "Rizky",
    "Slamet", "Tri", "Umi", "Wulan", "Yogi", "Zainal", "Ayu",
]
LAST_NAMES = [
    "Wahyuni", "Santoso", "Kurniawan", "Lestari", "Hidayat", "Saputra", "Rahayu", "Pratama",
    "Setiawan", "Nugroho", "Siregar", "Nasution", "Simanjuntak", "Wijaya", "Susanti", "Hakim",
    "Purnamasari", "Syahputra", "Maharani", "Handayani", "Harahap", "Sembiring", "Manurung",
    "Gunawan", "Utami", "Firmansyah", "Ramadhani", "Permana", "Anggraini", "Suryani",
]
INSTITUTIONS = [
    "Perpustakaan Daerah", "SMA Negeri 1", "MAN 2", "Universitas Islam Negeri", "Dinas Perpustakaan",
    "Balai Diklat Keagamaan", "SD Negeri 3", "Perpustakaan Desa", "Taman Bacaan Masyarakat",
    "Kantor Kementerian Agama",
]
POSITIONS = {
    "Pustakawan": ["Pustakawan Ahli Pertama", "Pustakawan Ahli Muda", "Pustakawan Terampil"],
    "Pengelola perpustakaan": ["Pengelola Perpustakaan", "Kepala Perpustakaan"],
    "Widyaiswara": ["Widyaiswara Ahli Muda", "Widyaiswara Ahli Madya"],
    "Guru": ["Guru Bahasa Indonesia", "Guru PAI", "Guru Kelas"],
    "Masyarakat umum": ["Mahasiswa", "Pegiat literasi", "Wiraswasta"],
}
CITIES = {
    "DKI Jakarta": ["Kota Jakarta Selatan", "Kota Jakarta Timur"], "Jawa Barat": ["Kota Bandung", "Kabupaten Bogor"],
    "Jawa Tengah": ["Kota Semarang", "Kabupaten Banyumas"], "DI Yogyakarta": ["Kabupaten Sleman", "Kota Yogyakarta"],
    "Jawa Timur": ["Kota Surabaya", "Kabupaten Malang"], "Banten": ["Kota Serang", "Kota Tangerang"],
    "Sumatera Utara": ["Kota Medan", "Kabupaten Deli Serdang"], "Sulawesi Selatan": ["Kota Makassar", "Kabupaten Gowa"],
    "Kalimantan Timur": ["Kota Samarinda", "Kota Balikpapan"], "Aceh": ["Kota Banda Aceh"],
    "Nusa Tenggara Barat": ["Kota Mataram"], "Bali": ["Kota Denpasar"], "Lampung": ["Kota Bandar Lampung"],
    "Papua": ["Kota Jayapura"],
}
REGISTRATIONS = 60


def demo_start(now=None):
    """The next Tuesday at least 10 days ahead, 09.00 WIB."""
    jakarta = ZoneInfo("Asia/Jakarta")
    today = (now or timezone.now()).astimezone(jakarta).date() + timedelta(days=10)
    day = today + timedelta(days=(1 - today.weekday()) % 7)
    return datetime.combine(day, time(9, 0), tzinfo=jakarta)


def load_demo(library, admin) -> Event:
    """Create the demo event and its registrations once; later runs leave them alone."""
    with transaction.atomic():
        event = Event.objects.filter(slug=DEMO_SLUG).first()
        if event is None:
            starts = demo_start()
            event = Event.objects.create(
                library=library, slug=DEMO_SLUG, title=TITLE, description=DESCRIPTION,
                starts_at=starts, ends_at=starts + timedelta(hours=2, minutes=30),
                time_zone="Asia/Jakarta", meeting_url="https://us02web.zoom.us/j/81234567890?pwd=demo",
                meeting_link_policy=MeetingLinkPolicy.ON_CONFIRMATION, capacity=100,
                registration_opens_at=timezone.now() - timedelta(days=1),
                registration_closes_at=starts - timedelta(hours=1),
                visibility=Visibility.PUBLIC, status=EventStatus.PUBLISHED, retention_days=365,
                created_by=admin,
            )
        if event.library_id != library.pk:
            return event
        for position, (name, role) in enumerate([
            ("Diar Sunyono", "Kepala Bagian Umum dan Perpustakaan — sambutan pembuka"),
            ("Rina Kartikasari, S.IP.", "Pustakawan Ahli Madya, pengelola media sosial perpustakaan — narasumber"),
            ("Dewindah", "Pustakawan — moderator"),
        ]):
            Speaker.objects.get_or_create(event=event, name=name, defaults={"role": role, "position": position})
        services.create_default_categories(event)
        jabatan, _ = Question.objects.get_or_create(
            event=event, label="Jabatan", defaults={"kind": QuestionKind.SHORT_TEXT, "required": True,
                                                    "position": 0},
        )
        region, _ = Question.objects.get_or_create(
            event=event, label="Asal provinsi dan kabupaten/kota",
            defaults={"kind": QuestionKind.REGION, "required": True, "position": 1},
        )
        _registrations(event, jabatan, region)
    return event


def _registrations(event, jabatan, region):
    rng = random.Random(2020)
    categories = list(event.categories.all())
    consent = services.current_consent(event)
    existing = set(event.registrations.values_list("email_normalized", flat=True))
    now = timezone.now()
    provinces = [p for p in PROVINCES if p in CITIES]
    for i in range(REGISTRATIONS):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        category = categories[rng.randrange(len(categories))]
        province = rng.choice(provinces)
        city = rng.choice(CITIES[province])
        email = f"{first}.{last}.{i + 1}@example.org".lower()
        whatsapp = f"+62812{rng.randrange(10**7):07d}"
        at = now - timedelta(hours=REGISTRATIONS - i, minutes=rng.randrange(60))
        position = rng.choice(POSITIONS.get(category.name, ["Staf"]))
        institution = f"{rng.choice(INSTITUTIONS)} {city.replace('Kabupaten ', '').replace('Kota ', '')}"
        channel = rng.choice(["instagram", "instagram", "whatsapp", "facebook", ""])
        # Every random draw above happens on every run, so a second run sees the same people.
        if email in existing:
            continue
        Registration.objects.create(
            event=event, status=RegistrationStatus.CONFIRMED, name=f"{first} {last}", email=email,
            email_normalized=email, whatsapp=whatsapp,
            institution=institution,
            category=category,
            answers={str(jabatan.pk): position,
                     str(region.pk): {"province": province, "regency": city}},
            language="id", source=RegistrationSource.FORM,
            channel=channel,
            consent=consent, consent_given_at=at, created_at=at, confirmed_at=at,
        )
