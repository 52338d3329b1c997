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
(`tasks.run_generation`); a PDF that failed to render is rendered by the next run.
Emails go through the outbox with a link (not the PDF: see docs/certificates.md),
once per certificate.
"""

import logging
import zipfile

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sapa.certificates import codes, numbering, render, tasks

# What the jobs use too lives in issuing (services import tasks, tasks import issuing); the
# staff's pages, the other apps and the tests reach it here, as before.
from sapa.certificates.issuing import (  # noqa: F401 - re-exported
    Recipient,
    _date_values,
    _erase_holder,
    certificate_data,
    download_path,
    download_url,
    forget_erased_emails,
    issue,
    layout,
    prepared_page,
    queue_email,
    queue_emails,
    recipients,
    render_certificate_mail,
    render_file,
    verify_url,
    verify_url_for_code,
)
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
    Orientation,
    Role,
    Signer,
)
from sapa.core import workers
from sapa.events.models import Speaker
from sapa.libraries import audit
from sapa.mail.services import erase_address

log = logging.getLogger(__name__)

SAMPLE_NAME = "Ni Luh Putu Ayu Saraswati Ñáñez, S.Sos., M.Hum."


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


def preview_pdf(design: CertificateDesign) -> bytes:
    """A certificate of this design for a sample name (nothing is numbered or stored)."""
    lay = layout(design)
    sample_number = numbering.format_number(design.number_pattern, 1, _date_values(design.event))
    return lay.render(render.Certificate(SAMPLE_NAME, Role.PARTICIPANT, sample_number,
                                         verify_url_for_code(codes.new_code())))


# --- Recipients ----------------------------------------------------------------------------------


def add_speakers(event, *, request=None) -> int:
    """Copy the event's speakers into the certificate recipients (once each, by name);
    a speaker whose role mentions "moderator" becomes a moderator."""
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


# --- Generations ---------------------------------------------------------------------------------


def start_generation(design: CertificateDesign, *, send_email: bool = True, request=None) -> Generation:
    """Queue a bulk generation of the design (refused while another one of it is under way)."""
    # A generation whose worker died is resumed (not refused for good): the click on
    # "Generate" finds it under way again.
    tasks.resume_abandoned(workers.dead, design=design)
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
        transaction.on_commit(lambda: tasks.generate(generation.pk))
    return generation


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
        transaction.on_commit(lambda: tasks.render_certificate(new.pk))
    return new


# --- Links and mail ------------------------------------------------------------------------------


def file_name(certificate: Certificate) -> str:
    """The PDF's file name for downloads: sertifikat-001-ss-medsos-vii-2020.pdf."""
    return f"sertifikat-{slugify(certificate.number.replace('/', '-')) or certificate.code}.pdf"


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


def erase_holder(sender, registration, now, **kwargs) -> int:
    """A participant's data was erased (their request or the event's retention): their
    certificates keep no name, email or PDF. Connected to events.erasure.registration_erased."""
    return _erase_holder(Certificate.objects.filter(registration=registration))


def erase_event_recipients(sender, event, now, **kwargs) -> int:
    """The event's retention ended: speakers', moderators' and committee members' emails go
    (their names stay, as on the event's public programme). Connected to events.erasure.event_erased."""
    for address in ExtraRecipient.objects.filter(event=event).exclude(email="").values_list("email", flat=True):
        erase_address(event.library_id, address)
    ExtraRecipient.objects.filter(event=event).exclude(email="").update(email="")
    return Certificate.objects.filter(event=event, registration__isnull=True).exclude(email="").update(email="")


