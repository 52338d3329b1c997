"""Demo data for the demo library's event: a rule, attendance rows and a short chat.

Safe to run twice: the rule is created once, attendance only for registrations
without a row, and the chat only when the event has none. The event is the one
sapa.events.demo creates (skipped when it is not there or not this library's).
"""

import random
from datetime import timedelta

from django.db import transaction

from sapa.attendance import services
from sapa.attendance.models import Attendance, AttendanceRule, ChatMessage
from sapa.events.demo import DEMO_SLUG
from sapa.events.models import Event, RegistrationStatus

CHAT = """\
08:58:40 From Perpustakaan Balitbangdiklat to Everyone:
\tSelamat pagi Bapak/Ibu, selamat datang di Sharing Session. Silakan ganti nama Zoom dengan Nama_Instansi.
09:02:15 From {p0} to Everyone:
\tSelamat pagi, salam literasi dari {c0}
09:20:03 From {p1} to Everyone:
\tIzin bertanya, bagaimana cara menjadwalkan posting Instagram supaya konsisten?
09:31:44 From {p2} to Everyone:
\tMau tanya: aplikasi apa yang dipakai untuk membuat flyer?
09:40:10 From {p3} to Perpustakaan Balitbangdiklat(Direct Message):
\tMohon maaf, link presensinya di mana ya?
10:12:30 From Perpustakaan Balitbangdiklat to Everyone:
\tKode presensi sudah tampil di layar. Buka tautan pribadi Anda atau halaman /hadir.
11:25:51 From {p4} to Everyone:
\tTerima kasih narasumber, sangat bermanfaat!
11:26:20 From {p0} to Everyone:
\tMakasih banyak, ditunggu sesi berikutnya
"""


def load_demo(library, admin) -> None:
    event = Event.objects.filter(slug=DEMO_SLUG, library=library).first()
    if event is None:
        return
    with transaction.atomic():
        AttendanceRule.objects.get_or_create(event=event, defaults={
            "min_percent": 70, "min_minutes": None, "combine": AttendanceRule.Combine.EITHER})
        registrations = list(event.registrations.filter(status=RegistrationStatus.CONFIRMED).order_by("id"))
        seen = set(Attendance.objects.filter(event=event).values_list("registration_id", flat=True))
        rng = random.Random(2107)
        session = services.session_minutes(event)
        minutes = {}
        for registration in registrations[:45]:
            draw = rng.random()
            if registration.pk in seen:
                continue
            minutes[registration.pk] = session - rng.randrange(0, 15) if draw < 0.75 else rng.randrange(10, 90)
        services.write_minutes(event, minutes)
        for i, registration in enumerate(registrations[:30]):
            if registration.pk in minutes and i % 3:
                services.record_attendance(registration, checked_in_at=event.starts_at + timedelta(minutes=70 + i))
    if not ChatMessage.objects.filter(event=event).exists() and len(registrations) >= 5:
        names = {f"p{i}": r.name for i, r in enumerate(registrations[:5])}
        names["c0"] = registrations[0].institution or "Sleman"
        services.import_chat(event, CHAT.format(**names).encode(), "meeting_saved_chat.txt")
