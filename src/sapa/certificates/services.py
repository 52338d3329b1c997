"""The rules of e-certificates.

Numbering: `issue()` assigns numbers in one transaction that first locks the
event's row and then the counter row of the number series (SELECT ... FOR
UPDATE on PostgreSQL; on SQLite every transaction holds the database's write
lock from BEGIN IMMEDIATE). The recipients still without a certificate are
read after both locks are held, the certificates inserted and the counter
moved in the same transaction: two generations running at once (of one event,
or of two events sharing a series) wait for each other, so no number is given
twice, none is skipped (a rolled-back transaction gives its numbers back), and
nobody gets two valid certificates for one role. Unique indexes back this up.

Rendering happens after the numbers were committed, in the worker
(`run_generation`); a PDF that failed to render is rendered by the next run.
Emails go through the outbox with a link (not the PDF: see docs/certificates.md),
once per certificate.
"""

import logging
import zipfile
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sapa.certificates import codes, numbering, parallel, render
from sapa.certificates.models import (
    MAX_SIGNERS,
    Certificate,
    CertificateDesign,
    DesignField,
    ExtraRecipient,
    FieldKey,
    Font,
    Generation,
    GenerationState,
    NumberSeries,
    Orientation,
    Role,
    Signer,
)
from sapa.libraries import audit

log = logging.getLogger(__name__)

SAMPLE_NAME = "Ni Luh Putu Ayu Saraswati Ñáñez, S.Sos., M.Hum."
PROGRESS_EVERY = 20
# A queued generation whose job has not started after this long lost it (the queue
# could not take it, or a worker took it and died): it is queued again.
LOST_QUEUED = timedelta(minutes=2)


class CertificateRefused(Exception):
    """An action that cannot be done; `message` is for staff."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- Designs -------------------------------------------------------------------------------------

# Default boxes on A4 landscape (297 × 210 mm): x, y, width, height (mm), size (pt), font.
_LANDSCAPE = {
    FieldKey.NAME: (38.5, 78, 220, 18, 30, Font.SERIF_BOLD),
    FieldKey.ROLE: (98.5, 98, 100, 9, 16, Font.SERIF_BOLD),
    FieldKey.EVENT: (38.5, 110, 220, 20, 15, Font.SERIF),
    FieldKey.DATE: (73.5, 131, 150, 8, 12, Font.SERIF),
    FieldKey.HOURS: (118.5, 140, 60, 7, 11, Font.SERIF),
    FieldKey.NUMBER: (73.5, 40, 150, 7, 11, Font.SERIF),
    FieldKey.QR: (252, 160, 30, 30, 10, Font.SERIF),
    FieldKey.SIGNER1: (40, 150, 80, 40, 11, Font.SERIF),
    FieldKey.SIGNER2: (162, 150, 80, 40, 11, Font.SERIF),
    FieldKey.SIGNER3: (108.5, 150, 80, 40, 11, Font.SERIF),
}
_PORTRAIT = {
    FieldKey.NAME: (15, 110, 180, 18, 28, Font.SERIF_BOLD),
    FieldKey.ROLE: (55, 130, 100, 9, 16, Font.SERIF_BOLD),
    FieldKey.EVENT: (15, 142, 180, 24, 15, Font.SERIF),
    FieldKey.DATE: (30, 168, 150, 8, 12, Font.SERIF),
    FieldKey.HOURS: (75, 177, 60, 7, 11, Font.SERIF),
    FieldKey.NUMBER: (30, 60, 150, 7, 11, Font.SERIF),
    FieldKey.QR: (165, 252, 30, 30, 10, Font.SERIF),
    FieldKey.SIGNER1: (20, 200, 75, 40, 11, Font.SERIF),
    FieldKey.SIGNER2: (115, 200, 75, 40, 11, Font.SERIF),
    FieldKey.SIGNER3: (67.5, 242, 75, 40, 11, Font.SERIF),
}


def default_boxes(orientation: str) -> dict:
    """The default place of each field on the page of this orientation."""
    return _PORTRAIT if orientation == Orientation.PORTRAIT else _LANDSCAPE


def create_design(event, *, name="", orientation=Orientation.LANDSCAPE, request=None) -> CertificateDesign:
    """A design for `event` with every field in a default place and empty signers."""
    with transaction.atomic():
        design = CertificateDesign.objects.create(
            event=event, name=name or _("Certificate"), orientation=orientation,
            roles=list(Role.values),
        )
        for key, (x, y, w, h, size, font) in default_boxes(orientation).items():
            DesignField.objects.create(design=design, key=key, x=x, y=y, width=w, height=h, font_size=size,
                                       font=font, enabled=key not in (FieldKey.SIGNER3,))
        for position in range(1, MAX_SIGNERS + 1):
            Signer.objects.create(design=design, position=position)
        audit.record("certificate_design.created", library=event.library, obj=design, request=request)
    return design


def design_changed(design: CertificateDesign, *, what: str, request=None) -> None:
    """Record a change of the page (fields, signers, background): the prepared page is stale."""
    CertificateDesign.objects.filter(pk=design.pk).update(version=F("version") + 1, updated_at=timezone.now())
    design.refresh_from_db(fields=["version", "updated_at"])
    audit.record(f"certificate_design.{what}", library=design.event.library, obj=design, request=request)


def set_background(design: CertificateDesign, upload, *, kind: str, page: int, request=None) -> None:
    """Replace the background with a validated upload (see uploads.check_background)."""
    old = design.background.name if design.background else ""
    design.background.save(f"design-{design.pk}.{'jpg' if kind == 'jpeg' else kind}", upload, save=False)
    design.background_kind = kind
    design.background_page = page
    design.save(update_fields=["background", "background_kind", "background_page", "updated_at"])
    if old and old != design.background.name:
        design.background.storage.delete(old)
    design_changed(design, what="background_changed", request=request)


def prepared_page(design: CertificateDesign) -> bytes:
    """The design's page (background and signatures) as a JPEG; rebuilt when the design changed."""
    if design.prepared and design.prepared_version == design.version:
        try:
            with design.prepared.open("rb") as fh:
                return fh.read()
        except FileNotFoundError:
            pass
    data = render.prepared_page(design)
    old = design.prepared.name if design.prepared else ""
    version = design.version
    design.prepared.save(f"design-{design.pk}-v{version}.jpg", ContentFile(data), save=False)
    CertificateDesign.objects.filter(pk=design.pk).update(prepared=design.prepared.name,
                                                          prepared_version=version)
    design.prepared_version = version
    if old and old != design.prepared.name:
        design.prepared.storage.delete(old)
    return data


def layout(design: CertificateDesign) -> render.Layout:
    """The design ready to stamp certificates (its page prepared, its static texts fitted)."""
    design = (CertificateDesign.objects.select_related("event__library")
              .prefetch_related("fields", "signers").get(pk=design.pk))
    return render.Layout(design, page_jpeg=prepared_page(design), library_name=design.event.library.name)


def preview_pdf(design: CertificateDesign) -> bytes:
    """A certificate of this design for a sample name (nothing is numbered or stored)."""
    lay = layout(design)
    sample_number = numbering.format_number(design.number_pattern, 1, _date_values(design.event))
    return lay.render(render.Certificate(SAMPLE_NAME, Role.PARTICIPANT, sample_number,
                                         verify_url_for_code(codes.new_code())))


# --- Recipients ----------------------------------------------------------------------------------


@dataclass
class Recipient:
    role: str
    name: str
    email: str
    language: str
    registration_id: int | None = None
    recipient_id: int | None = None


def recipients(design: CertificateDesign, *, without_certificate=True) -> list[Recipient]:
    """Who gets this design's certificate: the attended registrations (participants) and the
    speakers, moderators and committee staff entered, for the design's roles; by default
    only those without a valid certificate for that role at this event yet."""
    from sapa.attendance.services import attended_registration_ids
    from sapa.events.models import Registration, in_tracks

    event = design.event
    out = []
    valid = Certificate.objects.filter(event=event, revoked_at__isnull=True)
    if Role.PARTICIPANT in design.roles:
        ids = attended_registration_ids(event)
        rows = Registration.objects.filter(pk__in=ids, event=event, anonymized_at__isnull=True).exclude(name="")
        rows = in_tracks(rows, design.tracks)
        if without_certificate:
            rows = rows.exclude(pk__in=valid.filter(role=Role.PARTICIPANT, registration__isnull=False)
                                .values("registration_id"))
        for reg in rows.only("id", "name", "email", "language"):
            out.append(Recipient(Role.PARTICIPANT, reg.name, reg.email, reg.language or "id", registration_id=reg.pk))
    extras = ExtraRecipient.objects.filter(event=event, role__in=[r for r in design.roles if r != Role.PARTICIPANT])
    issued = (set(valid.filter(recipient__isnull=False).values_list("role", "recipient_id"))
              if without_certificate else set())
    for extra in extras:
        if (extra.role, extra.pk) in issued:
            continue
        out.append(Recipient(extra.role, extra.name, extra.email, design.language, recipient_id=extra.pk))
    out.sort(key=lambda r: (list(Role.values).index(r.role), r.name.casefold(), r.registration_id or 0,
                            r.recipient_id or 0))
    return out


def add_speakers(event, *, request=None) -> int:
    """Copy the event's speakers into the certificate recipients (once each, by name);
    a speaker whose role mentions "moderator" becomes a moderator."""
    from sapa.events.models import Speaker

    added = 0
    known = {r.name.casefold() for r in ExtraRecipient.objects.filter(event=event)}
    with transaction.atomic():
        for speaker in Speaker.objects.filter(event=event):
            if speaker.name.casefold() in known:
                continue
            role = Role.MODERATOR if "moderator" in speaker.role.casefold() else Role.SPEAKER
            ExtraRecipient.objects.create(event=event, name=speaker.name, role=role)
            known.add(speaker.name.casefold())
            added += 1
        if added:
            audit.record("certificate_recipients.speakers_added", library=event.library, obj=event,
                         request=request, count=added)
    return added


# --- Numbers -------------------------------------------------------------------------------------


def _date_values(event) -> dict:
    from sapa.core.timefmt import local

    return numbering.values(local(event.starts_at, event.time_zone).date())


def _lock_series(library, key: str) -> NumberSeries:
    """The series' counter row, created if new, locked for the rest of the transaction."""
    NumberSeries.objects.bulk_create([NumberSeries(library=library, key=key)], ignore_conflicts=True)
    return NumberSeries.objects.select_for_update().get(library=library, key=key)


def _new_certificate(design, series, seq: int, date_values: dict, recipient: Recipient, generation=None,
                     now=None) -> Certificate:
    return Certificate(
        library_id=design.event.library_id, event_id=design.event_id, design=design, generation=generation,
        registration_id=recipient.registration_id, recipient_id=recipient.recipient_id, role=recipient.role,
        holder_name=recipient.name, email=recipient.email, language=recipient.language,
        number=numbering.format_number(design.number_pattern, seq, date_values), series=series.key, seq=seq,
        code=codes.new_code(), issued_at=now or timezone.now(),
    )


def issue(design: CertificateDesign, *, generation=None, only: list[Recipient] | None = None,
          now=None) -> list[Certificate]:
    """Number a certificate for each recipient still without one (see the module docstring).

    `only` limits it to those recipients (a reissue). Returns the new certificates
    (not yet rendered).
    """
    from sapa.events.models import Event

    event = design.event
    # A certificate is dated on or after the event, even when it is made in advance.
    now = max(now or timezone.now(), event.ends_at)
    date_values = _date_values(event)
    key = numbering.series_key(design.number_pattern, date_values)
    with transaction.atomic():
        Event.objects.select_for_update().only("id").get(pk=event.pk)
        series = _lock_series(event.library, key)
        todo = recipients(design) if only is None else only
        if not todo:
            return []
        created = [_new_certificate(design, series, series.last + i, date_values, r, generation, now)
                   for i, r in enumerate(todo, start=1)]
        Certificate.objects.bulk_create(created)
        series.last += len(created)
        series.save(update_fields=["last"])
    if not created[0].pk:  # SQLite before 3.35 returns no ids from a bulk insert
        created = list(Certificate.objects.filter(library=event.library, series=key,
                                                  seq__gt=series.last - len(created)).order_by("seq"))
    return created


# --- Generations ---------------------------------------------------------------------------------


def start_generation(design: CertificateDesign, *, send_email: bool = True, request=None) -> Generation:
    """Queue a bulk generation of the design (refused while another one of it is under way)."""
    from sapa.certificates.tasks import generate
    from sapa.core import workers

    # A generation whose worker died is resumed (not refused for good): the click on
    # "Generate" finds it under way again.
    resume_abandoned(workers.dead, design=design)
    with transaction.atomic():
        CertificateDesign.objects.select_for_update().only("id").get(pk=design.pk)
        if Generation.objects.filter(design=design, state__in=[GenerationState.QUEUED,
                                                               GenerationState.RUNNING]).exists():
            raise CertificateRefused(_("A generation of this design is already under way."))
        generation = Generation.objects.create(
            design=design, send_email=send_email,
            created_by=request.user if request is not None and request.user.is_authenticated else None,
        )
        audit.record("certificates.generation_started", library=design.event.library, obj=design,
                     request=request, generation=generation.pk, send_email=send_email)
        transaction.on_commit(lambda: generate(generation.pk))
    return generation


def run_generation(generation_id: int) -> str:
    """The job: number the recipients without a certificate, render every PDF of the design
    not rendered yet, queue the emails. Returns the generation's final state."""
    from sapa.core import workers

    claimed = Generation.objects.filter(pk=generation_id, state=GenerationState.QUEUED).update(
        state=GenerationState.RUNNING, started_at=timezone.now(), worker=workers.NAME)
    if not claimed:
        return "skipped"
    generation = Generation.objects.select_related("design__event__library").get(pk=generation_id)
    design = generation.design
    try:
        issue(design, generation=generation)
        pending = list(Certificate.objects.filter(design=design, revoked_at__isnull=True, rendered_at__isnull=True)
                       .order_by("seq"))
        # Resumed after a worker died: what it rendered counts as done.
        done_before = Certificate.objects.filter(generation=generation, rendered_at__isnull=False).count()
        Generation.objects.filter(pk=generation.pk).update(total=done_before + len(pending), rendered=done_before)
        if len(pending) >= parallel.PARALLEL_MIN and parallel.processes() > 1:
            prepared_page(design)  # once, before the children read it
            parallel.render_in_processes(
                design, pending,
                lambda n: Generation.objects.filter(pk=generation.pk).update(rendered=n))
            pending = []
        lay = layout(design) if pending else None
        done = []
        for i, certificate in enumerate(pending, start=1):
            render_file(certificate, lay, save=False)
            done.append(certificate)
            if i % PROGRESS_EVERY == 0 or i == len(pending):
                # One short transaction per batch: the rows and the progress together.
                with transaction.atomic():
                    Certificate.objects.bulk_update(done, ["file", "rendered_at"])
                    Generation.objects.filter(pk=generation.pk).update(rendered=done_before + i)
                done = []
                if workers.stopping.is_set() and i < len(pending):
                    # The worker is asked to stop: hand the rest to the next worker.
                    _requeue(generation.pk, workers.NAME)
                    return GenerationState.QUEUED
        if generation.send_email:
            queue_emails(design)
    except Exception as exc:
        log.exception("certificate generation %s failed", generation_id)
        Generation.objects.filter(pk=generation.pk).update(
            state=GenerationState.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000])
        return GenerationState.FAILED
    Generation.objects.filter(pk=generation.pk).update(state=GenerationState.DONE, finished_at=timezone.now())
    return GenerationState.DONE


def _requeue(generation_id: int, worker: str) -> bool:
    """Queue again a generation that `worker` was running (it resumes where it stopped)."""
    from sapa.certificates.tasks import generate

    moved = Generation.objects.filter(pk=generation_id, state=GenerationState.RUNNING, worker=worker).update(
        state=GenerationState.QUEUED, worker="")
    if moved:
        log.warning("certificate generation %s handed back by worker %s", generation_id, worker)
        transaction.on_commit(lambda: generate(generation_id))
    return bool(moved)


def resume_abandoned(gone, *, design=None, now=None) -> int:
    """Resume the generations of workers that are gone (`gone(names)`, sapa.core.workers),
    and queue again those whose job was lost before it started. The numbers already given
    stay; the resumed job renders the PDFs still missing."""
    from sapa.certificates.tasks import generate

    now = now or timezone.now()
    running = Generation.objects.filter(state=GenerationState.RUNNING)
    queued = Generation.objects.filter(state=GenerationState.QUEUED, created_at__lt=now - LOST_QUEUED)
    if design is not None:
        running, queued = running.filter(design=design), queued.filter(design=design)
    holders = dict(running.values_list("pk", "worker"))
    gone_names = gone(set(holders.values()))
    # No name: claimed by a worker from before names were written, gone since the upgrade.
    resumed = sum(_requeue(pk, worker) for pk, worker in holders.items() if worker in gone_names or not worker)
    for pk in queued.values_list("pk", flat=True):
        transaction.on_commit(lambda pk=pk: generate(pk))
    return resumed


def certificate_data(certificate: Certificate) -> render.Certificate:
    """What the PDF of this certificate prints that is its own."""
    return render.Certificate(certificate.holder_name, certificate.role, certificate.number,
                              verify_url(certificate))


def render_file(certificate: Certificate, lay: render.Layout, *, save: bool = True) -> None:
    """Render one certificate's PDF into storage and mark it rendered (`save`: in the
    database now; else the caller saves a batch)."""
    pdf = lay.render(certificate_data(certificate))
    certificate.file.save(f"{certificate.event_id}/{certificate.code}.pdf", ContentFile(pdf), save=False)
    certificate.rendered_at = timezone.now()
    if save:
        Certificate.objects.filter(pk=certificate.pk).update(file=certificate.file.name,
                                                             rendered_at=certificate.rendered_at)


def render_one(certificate_id: int) -> None:
    """The job after a reissue: render the new certificate and email it."""
    certificate = Certificate.objects.select_related("design").get(pk=certificate_id)
    if certificate.rendered_at is None:
        render_file(certificate, layout(certificate.design))
    queue_email(certificate)


# --- Revocation ----------------------------------------------------------------------------------


def revoke(certificate: Certificate, *, reason: str, request=None, now=None) -> Certificate:
    """Revoke a valid certificate: its page then says so, with the date and the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateRefused(_("Give the reason for the revocation."))
    now = now or timezone.now()
    with transaction.atomic():
        current = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if current.revoked_at is not None:
            raise CertificateRefused(_("This certificate is already revoked."))
        current.revoked_at = now
        current.revoked_reason = reason[:300]
        current.revoked_by = request.user if request is not None and request.user.is_authenticated else None
        current.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
        audit.record("certificate.revoked", library=current.event.library, obj=current, request=request,
                     reason=current.revoked_reason)
    return current


def reissue(certificate: Certificate, *, reason: str, request=None, now=None) -> Certificate:
    """Revoke a certificate and issue its replacement (a new number and code, the holder's
    current name); the old one's page says "replaced by …". The new PDF is rendered and
    emailed by a job."""
    from sapa.certificates.tasks import render_certificate

    now = now or timezone.now()
    if not certificate.holder_name:
        raise CertificateRefused(_("The holder's personal data was erased: this certificate cannot be reissued."))
    with transaction.atomic():
        old = revoke(certificate, reason=reason, request=request, now=now)
        name, email, language = old.holder_name, old.email, old.language
        if old.registration_id and old.registration and old.registration.name:
            name, email = old.registration.name, old.registration.email
            language = old.registration.language or language
        elif old.recipient_id and old.recipient:
            name, email = old.recipient.name, old.recipient.email
        who = Recipient(old.role, name, email, language, registration_id=old.registration_id,
                        recipient_id=old.recipient_id)
        (new,) = issue(old.design, only=[who], now=now)
        Certificate.objects.filter(pk=old.pk).update(replaced_by=new)
        audit.record("certificate.reissued", library=old.event.library, obj=new, request=request,
                     replaces=old.number, reason=old.revoked_reason)
        transaction.on_commit(lambda: render_certificate(new.pk))
    return new


# --- Links and mail ------------------------------------------------------------------------------


def verify_url_for_code(code: str) -> str:
    """The public verification address of a code (what the QR code opens)."""
    return settings.BASE_URL + reverse("certificate-verify", args=[code])


def verify_url(certificate: Certificate) -> str:
    """The certificate's public verification address."""
    return verify_url_for_code(certificate.code)


def download_path(certificate: Certificate) -> str:
    """The holder's download link (the code and a secret token), without the host."""
    return reverse("certificate-download", args=[certificate.code, certificate.download_token])


def download_url(certificate: Certificate) -> str:
    """The holder's download link, absolute (for emails)."""
    return settings.BASE_URL + download_path(certificate)


def file_name(certificate: Certificate) -> str:
    """The PDF's file name for downloads: sertifikat-001-ss-medsos-vii-2020.pdf."""
    return f"sertifikat-{slugify(certificate.number.replace('/', '-')) or certificate.code}.pdf"


def queue_email(certificate: Certificate) -> bool:
    """Queue the certificate's email (once per certificate: the outbox's dedupe key) and, for a
    registration's certificate, the `certificate_ready` notice in the same transaction."""
    from sapa.events.models import Registration
    from sapa.events.notices import notice
    from sapa.mail.services import queue_rendered_later

    if not certificate.email or certificate.revoked_at is not None:
        return False
    dedupe = f"certificate:{certificate.pk}"
    with transaction.atomic():
        queued = queue_rendered_later("certificates.issued", {"certificate_id": certificate.pk},
                                      library_id=certificate.library_id, dedupe_key=dedupe) is not None
        if queued and certificate.registration_id:
            # Other apps (WhatsApp) tell the participant too, in this transaction.
            public_id = Registration.objects.filter(pk=certificate.registration_id).values_list(
                "public_id", flat=True).first()
            notice.send(Certificate, kind="certificate_ready", library_id=certificate.library_id,
                        registration_id=certificate.registration_id, public_id=str(public_id), dedupe=dedupe)
    return queued


def queue_emails(design: CertificateDesign) -> int:
    """Queue the email of every rendered, valid certificate of the design not emailed yet."""
    sent = 0
    rows = Certificate.objects.filter(design=design, revoked_at__isnull=True, rendered_at__isnull=False,
                                      emailed_at__isnull=True).exclude(email="")
    for certificate in rows:
        with transaction.atomic():
            if queue_email(certificate):
                sent += 1
            Certificate.objects.filter(pk=certificate.pk).update(emailed_at=timezone.now())
    return sent


def render_certificate_mail(certificate_id: int):
    """The outbox renderer "certificates.issued": the link to the PDF and to its verification page."""
    from sapa.mail.services import render_templated

    certificate = Certificate.objects.select_related("event__library").filter(pk=certificate_id).first()
    if certificate is None or certificate.revoked_at is not None or not certificate.email:
        return None
    event = certificate.event
    return render_templated(
        to=certificate.email, template="certificates/email/issued",
        context={"certificate": certificate, "event": event, "download_url": download_url(certificate),
                 "verify_url": verify_url(certificate), "role": _role_in(certificate.role, certificate.language)},
        library=event.library, language=certificate.language or settings.LANGUAGE_CODE,
    )


def _role_in(role: str, language: str) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return render.role_label(role)


# --- Look-ups ------------------------------------------------------------------------------------


def find_by_code(raw: str) -> tuple[str, Certificate | None]:
    """("invalid", None) for a malformed or tampered code (no look-up), ("unknown", None) for
    a well-formed code nobody was given, ("found", certificate) otherwise."""
    code = codes.normalize(raw)
    if not codes.is_well_formed(code):
        return "invalid", None
    certificate = (Certificate.objects.select_related("event__library", "replaced_by")
                   .filter(code=code).first())
    if certificate is None:
        return "unknown", None
    return "found", certificate


def for_registration(registration) -> list[Certificate]:
    """The participant's valid, rendered certificates (for their personal page)."""
    return list(Certificate.objects.filter(registration=registration, revoked_at__isnull=True,
                                           rendered_at__isnull=False).order_by("issued_at"))


def zip_chunks(certificates, *, chunk_size: int = 256 * 1024):
    """The PDFs as a ZIP, produced piece by piece: one file in memory at a time, never the archive.

    PDFs are compressed already, so the entries are stored, not deflated.
    """

    class Sink:
        def __init__(self):
            self.parts = []
            self.position = 0

        def write(self, data):
            self.parts.append(bytes(data))
            self.position += len(data)
            return len(data)

        def tell(self):
            return self.position

        def flush(self):
            pass

        def take(self):
            data = b"".join(self.parts)
            self.parts = []
            return data

    sink = Sink()
    names = set()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            if not certificate.file:
                continue
            name = file_name(certificate)
            if name in names:
                name = f"{name[:-4]}-{certificate.code}.pdf"
            names.add(name)
            info = zipfile.ZipInfo(name, date_time=timezone.localtime(certificate.issued_at).timetuple()[:6])
            with archive.open(info, mode="w", force_zip64=False) as entry, certificate.file.open("rb") as fh:
                while block := fh.read(chunk_size):
                    entry.write(block)
                    yield sink.take()
            yield sink.take()
    yield sink.take()


def _erase_holder(certificates) -> int:
    """The holder's name, email and PDF go; the number, code, role, dates and validity stay,
    so /v/<code> still answers "valid" (the name withheld) for a certificate shown to it."""
    done = 0
    for certificate in certificates:
        if certificate.file:
            certificate.file.delete(save=False)
        Certificate.objects.filter(pk=certificate.pk).update(holder_name="", email="", file="", revoked_reason="")
        audit.scrub_object(certificate, label=certificate.number, data_keys=("email", "name", "reason"))
        done += 1
    return done


def erase_holder(sender, registration, now, **kwargs) -> int:
    """A participant's data was erased (their request or the event's retention): their
    certificates keep no name, email or PDF. Connected to events.erasure.registration_erased."""
    return _erase_holder(Certificate.objects.filter(registration=registration))


def erase_event_recipients(sender, event, now, **kwargs) -> int:
    """The event's retention ended: speakers', moderators' and committee members' emails go
    (their names stay, as on the event's public programme). Connected to events.erasure.event_erased."""
    from sapa.mail.services import erase_address

    for address in ExtraRecipient.objects.filter(event=event).exclude(email="").values_list("email", flat=True):
        erase_address(event.library_id, address)
    ExtraRecipient.objects.filter(event=event).exclude(email="").update(email="")
    return Certificate.objects.filter(event=event, registration__isnull=True).exclude(email="").update(email="")


def forget_erased_emails() -> int:
    """Catch-up for certificates issued before erasure took them along (and any missed):
    those of erased registrations keep no name, email or PDF."""
    return _erase_holder(Certificate.objects.filter(registration__anonymized_at__isnull=False)
                         .exclude(holder_name="", email="", file=""))
