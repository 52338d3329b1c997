"""Demo data: the demo event's board with a few questions, votes and a raised hand.

Safe to run twice: nothing is added when the event's board already has questions.
The event is the one sapa.events.demo creates (skipped when it is not this library's).
"""

from sapa.events.demo import DEMO_SLUG
from sapa.events.models import Event, RegistrationStatus
from sapa.live import services
from sapa.live.models import LiveQuestion

QUESTIONS = [
    "Bagaimana cara menjadwalkan unggahan Instagram supaya konsisten setiap minggu?",
    "Aplikasi apa yang dipakai untuk membuat flyer acara?",
    "Apakah perpustakaan perlu akun TikTok, atau cukup Instagram dan Facebook?",
    "Bagaimana mengukur keberhasilan media sosial perpustakaan selain jumlah pengikut?",
]


def load_demo(library, admin) -> None:
    event = Event.objects.filter(slug=DEMO_SLUG, library=library).first()
    if event is None or LiveQuestion.objects.filter(event=event).exists():
        return
    people = [services.Participant(f"r:{r.pk}", r) for r in
              event.registrations.filter(status=RegistrationStatus.CONFIRMED).order_by("id")[:12]]
    if len(people) < len(QUESTIONS) + 4:
        return
    questions = [services.post_question(event, person, text) for person, text in
                 zip(people[:len(QUESTIONS)], QUESTIONS, strict=True)]
    for n, voter in enumerate(people[len(QUESTIONS):]):
        for question in questions[: 1 + n % 3]:
            services.vote(event, voter, question.pk)
    services.moderate_question(event, questions[1].pk, "answer")
    services.raise_hand(event, people[-1])
    services.raise_hand(event, people[-2])
