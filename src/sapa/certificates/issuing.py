"""Certificates' numbers, PDFs and emails: what the staff's actions (services) and the jobs
(tasks) both use. Numbering rules: the docstring of sapa.certificates.services."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from sapa.attendance.services import attended_registration_ids
from sapa.certificates import codes, numbering, render
from sapa.certificates.models import (
    Certificate,
    CertificateDesign,
    ExtraRecipient,
    NumberSeries,
    Role,
)
from sapa.core.timefmt import local
from sapa.events.models import Event, Registration, in_tracks
from sapa.events.notices import notice
from sapa.libraries import audit
from sapa.mail.services import queue_rendered_later, render_templated

log = logging.getLogger(__name__)


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



def _date_values(event) -> dict:

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



def queue_email(certificate: Certificate) -> bool:
    """Queue the certificate's email (once per certificate: the outbox's dedupe key) and, for a
    registration's certificate, the `certificate_ready` notice in the same transaction."""
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



def forget_erased_emails() -> int:
    """Catch-up for certificates issued before erasure took them along (and any missed):
    those of erased registrations keep no name, email or PDF."""
    return _erase_holder(Certificate.objects.filter(registration__anonymized_at__isnull=False)
                         .exclude(holder_name="", email="", file=""))
