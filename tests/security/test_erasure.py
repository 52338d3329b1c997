"""Issue 11, item 8: erasing a participant's data takes every copy along.

Both paths: "Erase my data" on the personal page, and the nightly retention job. A
participant leaves traces in every app (registration, check-in, live question and hand,
survey comment, prize claim, certificate with its PDF, outbox emails, audit entries, a
saved Zoom chat line, a meeting report waiting for its check); after either path, no
row of ANY model holds their name, email, phone, words or address, the certificate's
page says "valid, name withheld", and the certificate's PDF is gone from disk.

PERSONAL is the explicit table of the fields that hold a person's data, per model; a
model with an email/name/phone-like field that is in neither PERSONAL nor NOT_PERSONAL
fails test_every_model_with_personal_looking_fields_is_in_the_table, so a new model
cannot slip by without a decision.
"""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from sapa.attendance import services as attendance
from sapa.attendance.models import ReportImport
from sapa.certificates import services as certificates
from sapa.certificates.models import Certificate, ExtraRecipient
from sapa.events import services as events
from sapa.libraries.models import AuditEntry
from sapa.live import services as live
from sapa.mail.models import Email, EmailState
from sapa.prizes import services as prizes
from sapa.prizes.models import Prize
from sapa.survey import services as survey
from sapa.survey.models import QuestionKind, SurveyQuestion

from .privacy_helpers import make_event

pytestmark = pytest.mark.django_db

# model label -> the fields that hold (or held) a participant's personal data.
PERSONAL = {
    "events.registration": (
        "name",
        "email",
        "email_normalized",
        "whatsapp",
        "institution",
        "answers",
        "manage_token",
    ),
    "attendance.chatmessage": ("sender", "recipient", "text"),
    "attendance.reportimport": ("data",),
    "live.livequestion": ("text",),
    "live.update": ("payload",),
    "survey.response": ("comments", "answers"),
    "prizes.winner": (
        "recipient",
        "phone",
        "province",
        "regency",
        "district",
        "street",
        "postal_code",
        "tracking_number",
    ),
    "certificates.certificate": ("holder_name", "email", "file", "revoked_reason"),
    "certificates.extrarecipient": ("email",),  # at retention; names of speakers are public
    "mail.email": (
        "to",
        "cc",
        "bcc",
        "subject",
        "body_text",
        "body_html",
        "attachments",
        "render_args",
    ),
    "libraries.auditentry": ("object_repr", "data", "ip", "user_agent"),
    "whatsapp.message": ("to", "parameters"),  # cleared by sapa.whatsapp.services.erase_registration
}

# model label -> why its personal-looking fields hold no participant's data.
NOT_PERSONAL = {
    "core.workerbeat": "a worker process's name (host:pid:random)",
    "core.periodicrun": "a periodic job's name and the worker holding its lock",
    "meetings.googleaccount": "the library's Google service account and Workspace user",
    "whatsapp.account": "the library's own WhatsApp Business number id",
    "libraries.user": "staff accounts: managed by the library's admin, not participant data",
    "libraries.invitation": "staff invitations (an email to become staff), removed when used or withdrawn",
    "libraries.library": "the library's own public name and contact address",
    "libraries.apitoken": "a staff token's label",
    "events.event": "the event: title, venue, public",
    "events.speaker": "speakers on the public programme",
    "events.category": "category labels",
    "events.question": "labels of the registration form's questions",
    "survey.surveyquestion": "labels of the survey's questions",
    "certificates.certificatedesign": "a design's label",
    "certificates.signer": "the signers printed on every certificate (library officials)",
    "prizes.prize": "prize names",
    "prizes.prizevariant": "prize variants (sizes, colours)",
    "prizes.drawentry": "a random entry per registration and round (tests/security/test_draw_privacy.py)",
    "live.vote": "voter_key: 'r:<id>' or a hash of an anonymous cookie, no name",
    "promotion.shortlink": "campaign labels",
    "promotion.clickvisitor": "a daily salted hash of a visitor, not linked to a registration",
    "promotion.pinnedlink": "link labels",
    "promotion.profilelink": "the library's own accounts",
    "social.channel": "the library's own social accounts",
    "social.campaign": "campaign names",
    "social.mediaitem": "the library's media files",
    "social.post": "the library's posts",
    "social.postrevision": "staff edits of posts",
    "social.hashtagset": "hashtag lists",
    "social.posttemplate": "post templates",
    "social.postvariant": "the library's posts per network",
    "catalogue.cataloguesource": "catalogue sources",
    "catalogue.acquisition": "books and their authors",
    "catalogue.importrun": "catalogue imports",
    "news.category": "news categories",
    "news.tag": "news tags",
    "news.article": "articles and their (staff) authors",
    "news.articlerevision": "staff edits of articles",
    "news.galleryphoto": "photo captions and credits",
    "news.helpfulanswer": "an anonymous reader's vote: a salted hash, no name or email",
    "attendance.chatimport": "the uploaded file's name",
    "promotion.clickday": "visitors: a number per day",
    "social.postmetrics": "comments: a count from the network",
    "certificates.generation": "send_email: a yes/no of the run",
    "auth.group": "staff groups",
    "auth.permission": "permission names",
    "contenttypes.contenttype": "model names",
    "admin.logentry": "Django admin's log of staff actions",
}

PERSONAL_LOOKING = re.compile(
    r"name|email|phone|whatsapp|recipient|sender|holder|street|address|^ip$|"
    r"visitor|author|voter|^to$|comment|answers"
)

NAME = "Kartika Wulandari Prameswari"
EMAIL = "kartika.prameswari@contoh.id"
PHONE = "+6281299887766"
INSTITUTION = "Perpustakaan Desa Sukamaju"
QUESTION = "Bolehkah saya bertanya soal jadwal unggah Reels?"
CHAT_WORDS = "Salam kenal dari Bandung Utara"
COMMENT = "Anak saya sekolah di SD Negeri 3 Cibeunying"
WRITTEN = "Saya bekerja sebagai guru honorer"
STREET = "Jalan Melati Rahasia No. 12"
IP = "203.0.113.77"
SECRETS = (
    "kartika",
    "prameswari",
    EMAIL,
    "81299887766",
    "sukamaju",
    QUESTION,
    CHAT_WORDS,
    COMMENT,
    WRITTEN,
    "melati rahasia",
    IP,
)


def test_every_model_with_personal_looking_fields_is_in_the_table():
    missing, unknown_fields = [], []
    for model in apps.get_models():
        label = model._meta.label_lower
        names = {f.name for f in model._meta.concrete_fields}
        looking = sorted(n for n in names if PERSONAL_LOOKING.search(n))
        if (
            looking
            and label not in PERSONAL
            and label not in NOT_PERSONAL
            and label != "sessions.session"
        ):
            missing.append((label, looking))
        unknown_fields += [(label, f) for f in PERSONAL.get(label, ()) if f not in names]
    assert not missing, (
        f"decide whether these hold a participant's data (PERSONAL or NOT_PERSONAL): {missing}"
    )
    assert not unknown_fields


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SAPA_EMAIL_BODY_DAYS = 30


def _traces(library, capture):
    """An ended event where NAME left a trace in every app, next to another participant."""
    event = make_event(library, retention_days=0)
    with capture(execute=True):
        person = events.register(
            event,
            name=NAME,
            email=EMAIL,
            whatsapp=PHONE,
            institution=INSTITUTION,
            consent=True,
            source="staff",
        ).registration
        other = events.register(
            event, name="Budi Santoso", email="budi@contoh.id", consent=True, source="staff"
        ).registration
    for who in (person, other):
        attendance.record_attendance(who, minutes=120, checked_in_at=timezone.now())
    # The live board: a question and a raised hand, in the log screens follow.
    me = live.Participant(f"r:{person.pk}", person)
    live.post_question(event, me, QUESTION)
    live.raise_hand(event, me)
    live.post_question(event, live.Participant(f"r:{other.pk}", other), "Pertanyaan Budi")
    # The saved Zoom chat, and a meeting report waiting for its check.
    attendance.import_chat(
        event,
        (
            f"09:05:10 From {NAME} : {CHAT_WORDS}\n09:06:00 From Budi Santoso : Terima kasih\n"
        ).encode(),
        "chat.txt",
    )
    ReportImport.objects.create(
        event=event,
        file_name="zoom.csv",
        format="zoom_meeting",
        data={
            "people": [
                {"name": NAME, "email": EMAIL, "registration": person.pk, "minutes": 120},
                {
                    "name": "Budi Santoso",
                    "email": "budi@contoh.id",
                    "registration": other.pk,
                    "minutes": 90,
                },
            ]
        },
    )
    # The survey, with a comment and a written answer.
    form = survey.survey_for(event)
    written = SurveyQuestion.objects.create(
        survey=form, label="Pekerjaan", kind=QuestionKind.SHORT_TEXT, position=0
    )
    survey.submit_response(
        person,
        rating=5,
        comments=COMMENT,
        answers={str(written.pk): WRITTEN},
        now=event.ends_at + timedelta(minutes=1),
    )
    # A prize won and claimed (only they are eligible: Budi is left out by the rule).
    Prize.objects.create(event=event, name="Payung", quantity=1, position=0)
    attendance.record_attendance(other, minutes=1)
    with capture(execute=True):
        draw, _ = prizes.run_draw(prizes.prepare_draw(event, min_minutes=100))
        winner = draw.winners.get()
    assert winner.registration_id == person.pk
    prizes.claim(
        winner,
        recipient=NAME,
        phone="081299887766",
        province="Jawa Barat",
        regency="Kota Bandung",
        district="Coblong",
        street=STREET,
        postal_code="40132",
    )
    # A certificate with its PDF, and its email.
    design = certificates.create_design(event, name="Sertifikat")
    design.roles = ["participant", "speaker"]
    design.save()
    ExtraRecipient.objects.create(
        event=event, name="Dr. Narasumber", email="narasumber@contoh.id", role="speaker"
    )
    certificates.issue(design)
    for certificate in Certificate.objects.filter(event=event):
        certificates.render_file(certificate, certificates.layout(design))
        with capture(execute=True):
            certificates.queue_email(certificate)
    # Audit entries as older versions wrote them ("Name — Event"), one from the participant's browser.
    AuditEntry.objects.create(
        library=library,
        action="registration.updated",
        object_type="events.registration",
        object_id=str(person.pk),
        object_repr=f"{NAME} — {event.title}",
        data={"email": EMAIL, "fields": ["name"]},
        actor_label="staff@example.org",
    )
    AuditEntry.objects.create(
        library=library,
        action="registration.cancelled",
        object_type="events.registration",
        object_id=str(person.pk),
        object_repr=f"{NAME} — {event.title}",
        ip=IP,
        user_agent="Mozilla/5.0",
    )
    # A staff notice naming them, and an old email to somebody else (the body purge).
    Email.objects.create(
        library=library,
        to=["staff@example.org"],
        from_email="sapa@localhost",
        subject="Pendaftar baru",
        body_text=f"{NAME} mendaftar.",
        state=EmailState.SENT,
    )
    person.refresh_from_db()
    assert Email.objects.filter(to=[EMAIL]).count() >= 3  # registration, prize, certificate
    return event, person, other


def _rows_holding(secret: str) -> list[str]:
    """Every row of every model whose values hold `secret` (case-insensitive)."""
    found = []
    for model in apps.get_models():
        for row in model.objects.values():
            text = json.dumps(row, default=str, ensure_ascii=False).casefold()
            if secret.casefold() in text:
                found.append(f"{model._meta.label_lower}#{row.get('id')}")
    return found


def _assert_erased(event, person, other):
    # The table, field by field, for the rows of this event.
    for label, fields in PERSONAL.items():
        model = apps.get_model(label)
        for row in model.objects.values(*fields):
            text = json.dumps(row, default=str, ensure_ascii=False).casefold()
            for secret in SECRETS:
                assert secret.casefold() not in text, (label, secret, row)
    # And the whole database, every model (the table could miss a field; this cannot).
    for secret in SECRETS:
        assert not _rows_holding(secret), (secret, _rows_holding(secret))

    # The certificate: valid, name withheld, the PDF gone from disk.
    certificate = Certificate.objects.get(registration=person)
    assert certificate.is_valid and not certificate.file
    assert not list((Path(django_settings.MEDIA_ROOT) / "certificates" / "pdf").glob("*kartika*"))
    page = Client().get(f"/v/{certificate.code}/")
    html = page.content.decode()
    assert page.status_code == 200 and "verdict-valid" in html and certificate.number in html
    assert "Kartika" not in html
    assert "Disembunyikan" in html or "Withheld" in html

    # The others keep theirs: nothing beyond this person was erased.
    other.refresh_from_db()
    assert other.name == "Budi Santoso"
    # Counts stay: the attendance row, the win, the rating.
    assert person.attendance.minutes == 120
    assert person.prize_wins.count() == 1 and person.survey_response.rating == 5
    # Audit rows stay, without personal text.
    assert (
        AuditEntry.objects.filter(
            object_type="events.registration", object_id=str(person.pk)
        ).count()
        >= 2
    )


def test_erase_my_data_on_the_personal_page_clears_every_copy(
    library, django_capture_on_commit_callbacks
):
    event, person, other = _traces(library, django_capture_on_commit_callbacks)
    pdf = Path(Certificate.objects.get(registration=person).file.path)
    assert pdf.exists()
    for secret in SECRETS:
        assert _rows_holding(secret), (
            f"the setup left no trace of {secret!r}: the test would prove nothing"
        )

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(f"/p/{person.public_id}/{person.manage_token}/hapus/")
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.anonymized_at is not None
    assert not pdf.exists()
    _assert_erased(event, person, other)
    # The other participant's chat line, question and report row stay (only the person's go).
    assert event.chat_messages.filter(sender="Budi Santoso").exists()
    assert event.live_questions.filter(text="Pertanyaan Budi").exists()
    assert [p["name"] for p in ReportImport.objects.get(event=event).data["people"]] == [
        "Budi Santoso"
    ]


def test_the_retention_job_clears_every_copy_and_purges_old_email_bodies(
    library, django_capture_on_commit_callbacks
):
    from sapa.events.tasks import erase_expired_personal_data

    event, person, other = _traces(library, django_capture_on_commit_callbacks)
    old = Email.objects.create(
        library=library,
        to=["pustakawan@contoh.id"],
        from_email="sapa@localhost",
        subject="Laporan",
        body_text="Isi lama",
        state=EmailState.SENT,
        created_at=timezone.now() - timedelta(days=31),
    )
    recent = Email.objects.create(
        library=library,
        to=["pustakawan@contoh.id"],
        from_email="sapa@localhost",
        subject="Laporan",
        body_text="Isi baru",
        state=EmailState.SENT,
        created_at=timezone.now() - timedelta(days=29),
    )
    queued = Email.objects.create(
        library=library,
        to=["pustakawan@contoh.id"],
        from_email="sapa@localhost",
        subject="Antre",
        body_text="Belum terkirim",
        state=EmailState.QUEUED,
        created_at=timezone.now() - timedelta(days=31),
    )
    pdf = Path(Certificate.objects.get(registration=person).file.path)

    erase_expired_personal_data.call_local()

    assert not pdf.exists()
    person.refresh_from_db()
    assert person.anonymized_at is not None
    # Retention erases everyone of the event, Budi too.
    assert not _rows_holding("budi@contoh.id")
    _assert_erased_retention(event, person)
    old.refresh_from_db(), recent.refresh_from_db(), queued.refresh_from_db()
    assert old.body_text == "" and old.subject == "Laporan" and old.to == ["pustakawan@contoh.id"]
    assert recent.body_text == "Isi baru" and queued.body_text == "Belum terkirim"
    # The speakers' emails go at retention; their names (the public programme) stay.
    assert not _rows_holding("narasumber@contoh.id")
    assert ExtraRecipient.objects.get(event=event).name == "Dr. Narasumber"


def _assert_erased_retention(event, person):
    for secret in SECRETS:
        assert not _rows_holding(secret), (secret, _rows_holding(secret))
    certificate = Certificate.objects.get(registration=person)
    assert certificate.is_valid and not certificate.file and certificate.holder_name == ""
    html = Client().get(f"/v/{certificate.code}/").content.decode()
    assert "verdict-valid" in html and "Kartika" not in html
    assert person.attendance.minutes == 120 and person.survey_response.rating == 5


@pytest.mark.slow
def test_the_body_purge_setting_is_checked_at_start(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "SAPA_EMAIL_BODY_DAYS": "0",
        "DJANGO_SETTINGS_MODULE": "sapa.settings",
        "SAPA_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "SAPA_EMAIL_BODY_DAYS" in result.stderr
