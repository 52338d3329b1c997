"""Staff pages of e-certificates, under /staff/<library>/events/<event>/certificates/.

Who may do what: staff see designs, generations and certificates and download
single PDFs; editors and admins also edit designs, enter recipients, start
generations, revoke and reissue, and download the ZIP of all (a bulk copy of
personal data, audited). Every object is fetched through request.library:
another library's id answers 404.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sapa.certificates import forms, services
from sapa.certificates.models import (
    Certificate,
    CertificateDesign,
    ExtraRecipient,
    FieldKey,
    Generation,
    Role,
)
from sapa.events.tenancy import event_view
from sapa.libraries import audit
from sapa.libraries.models import Role as StaffRole

PAGE_SIZE = 100


def _design(event, design_id) -> CertificateDesign:
    return get_object_or_404(CertificateDesign.objects.select_related("event__library"), pk=design_id, event=event)


def _certificate(event, certificate_id) -> Certificate:
    return get_object_or_404(Certificate.objects.select_related("event__library", "design", "replaced_by"),
                             pk=certificate_id, event=event)


def _can_edit(request) -> bool:
    return request.membership.has_role(StaffRole.EDITOR)


def _require_editor(request):
    if not _can_edit(request):
        raise Http404


@event_view(StaffRole.STAFF)
def event_certificates(request, event):
    if request.method == "POST":
        _require_editor(request)
        form = forms.NewDesignForm(request.POST)
        if form.is_valid():
            design = services.create_design(event, name=form.cleaned_data["name"],
                                            orientation=form.cleaned_data["orientation"], request=request)
            messages.success(request, _("Design created. Upload a background and place the fields."))
            return redirect("certificates-design", slug=request.library.slug, event_id=event.pk,
                            design_id=design.pk)
    else:
        form = forms.NewDesignForm()
    designs = list(event.certificate_designs.annotate(
        valid=Count("certificates", filter=Q(certificates__revoked_at__isnull=True))))
    for design in designs:
        design.waiting = len(services.recipients(design))
        design.latest = design.generations.first()
    certificates = (Certificate.objects.filter(event=event).select_related("replaced_by")
                    .order_by("revoked_at", "seq", "id"))
    query = request.GET.get("q", "").strip()
    if query:
        certificates = certificates.filter(Q(holder_name__icontains=query) | Q(number__icontains=query))
    page = Paginator(certificates, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certificates/staff/event.html", {
        "event": event, "designs": designs, "form": form, "can_edit": _can_edit(request),
        "generating": any(d.latest and d.latest.is_active for d in designs),
        "not_ended_yet": timezone.now() < event.ends_at,
        "certificates": page.object_list, "page": page, "query": query,
        "total": Certificate.objects.filter(event=event, revoked_at__isnull=True).count(),
        "generate_form": forms.GenerateForm(),
    })


@event_view(StaffRole.STAFF)
def design_edit(request, event, design_id):
    design = _design(event, design_id)
    page_mm = design.page_mm
    fields_qs = design.fields.all()
    signers_qs = design.signers.all()
    if request.method == "POST":
        _require_editor(request)
        form = forms.DesignForm(request.POST, instance=design, prefix="design")
        fields = forms.FieldFormSet(request.POST, queryset=fields_qs, prefix="fields",
                                    form_kwargs={"page_mm": page_mm})
        signers = forms.SignerFormSet(request.POST, request.FILES, queryset=signers_qs, prefix="signers")
        if form.is_valid():
            # The page's size may have changed: check the boxes against the new one.
            fields = forms.FieldFormSet(request.POST, queryset=fields_qs, prefix="fields",
                                        form_kwargs={"page_mm": form.instance.page_mm})
        if form.is_valid() and fields.is_valid() and signers.is_valid():
            with transaction.atomic():
                form.save()
                fields.save()
                for signer_form in signers.forms:
                    signer = signer_form.save(commit=False)
                    upload = signer_form.cleaned_data.get("signature")
                    if signer_form.cleaned_data.get("remove_signature") and signer.signature:
                        signer.signature.delete(save=False)
                    if upload:
                        upload.seek(0)
                        ext = "png" if upload.read(4) == b"\x89PNG" else "jpg"
                        upload.seek(0)
                        signer.signature.save(f"design-{design.pk}-{signer.position}.{ext}", upload, save=False)
                    signer.save()
                services.design_changed(design, what="updated", request=request)
            messages.success(request, _("Design saved."))
            return redirect("certificates-design", slug=request.library.slug, event_id=event.pk,
                            design_id=design.pk)
        messages.error(request, _("The design was not saved: see the messages below."))
    else:
        form = fields = signers = None
    return _design_page(request, event, design, form=form, fields=fields, signers=signers, page_mm=page_mm,
                        status=400 if request.method == "POST" else 200)


def _design_page(request, event, design, *, form=None, fields=None, signers=None, background_form=None,
                 page_mm=None, status=200):
    """The design page; a form refused on POST is shown with its messages and status 400."""
    can_edit = _can_edit(request)
    page_mm = page_mm or design.page_mm
    if form is None:
        form = forms.DesignForm(instance=design, prefix="design")
    if fields is None:
        fields = forms.FieldFormSet(queryset=design.fields.all(), prefix="fields", form_kwargs={"page_mm": page_mm})
    if signers is None:
        signers = forms.SignerFormSet(queryset=design.signers.all(), prefix="signers")
    if not can_edit:
        for f in [*form.fields.values(), *(ff for sub in fields.forms for ff in sub.fields.values()),
                  *(ff for sub in signers.forms for ff in sub.fields.values())]:
            f.disabled = True
    labels = dict(FieldKey.choices)
    return render(request, "certificates/staff/design.html", {
        "event": event, "design": design, "form": form, "fields": fields, "signers": signers,
        "field_rows": [(f, labels[f.instance.key]) for f in fields.forms],
        "background_form": background_form or forms.BackgroundForm(), "can_edit": can_edit,
        "page_w": page_mm[0], "page_h": page_mm[1],
    }, status=status)


@event_view(StaffRole.EDITOR)
@require_POST
def design_background(request, event, design_id):
    design = _design(event, design_id)
    form = forms.BackgroundForm(request.POST, request.FILES)
    if form.is_valid():
        services.set_background(design, form.cleaned_data["file"], kind=form.cleaned_data["kind"],
                                page=form.cleaned_data["page"], request=request)
        messages.success(request, _("Background uploaded."))
        return redirect("certificates-design", slug=request.library.slug, event_id=event.pk,
                        design_id=design.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return _design_page(request, event, design, background_form=form, status=400)


@event_view(StaffRole.STAFF)
def design_page(request, event, design_id):
    """The prepared page (background and signatures) as a JPEG, for the placement preview."""
    design = _design(event, design_id)
    response = HttpResponse(services.prepared_page(design), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@event_view(StaffRole.STAFF)
def design_preview(request, event, design_id):
    """A sample certificate of the design, as PDF, for a sample name."""
    design = _design(event, design_id)
    response = HttpResponse(services.preview_pdf(design), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="contoh-sertifikat.pdf"'
    return response


@event_view(StaffRole.EDITOR)
@require_POST
def generate(request, event, design_id):
    design = _design(event, design_id)
    form = forms.GenerateForm(request.POST)
    form.is_valid()
    try:
        services.start_generation(design, send_email=form.cleaned_data.get("send_email", False), request=request)
    except services.CertificateRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Generation queued. This page shows its progress."))
        if timezone.now() < event.ends_at:
            messages.warning(request, _("Careful: this event has not ended yet. The certificates are dated on "
                                        "its last day, and they go to those who attended by the data so far."))
    return redirect("certificates-event", slug=request.library.slug, event_id=event.pk)


@event_view(StaffRole.STAFF)
def generation_progress(request, event, generation_id):
    """The progress fragment of a generation (polled by htmx while it runs)."""
    generation = get_object_or_404(Generation.objects.select_related("design"), pk=generation_id,
                                   design__event=event)
    response = render(request, "certificates/staff/_generation.html", {"event": event, "generation": generation})
    if request.headers.get("HX-Request") and not generation.is_active:
        # Finished: the whole page reloads, so "Issued" and the list show the new certificates.
        response["HX-Refresh"] = "true"
    return response


@event_view(StaffRole.STAFF)
def recipients(request, event):
    form = forms.ExtraRecipientForm()
    if request.method == "POST":
        _require_editor(request)
        if "add_speakers" in request.POST:
            added = services.add_speakers(event, request=request)
            messages.success(request, _("%(count)s speakers added.") % {"count": added})
            return redirect("certificates-recipients", slug=request.library.slug, event_id=event.pk)
        form = forms.ExtraRecipientForm(request.POST)
        if form.is_valid():
            extra = form.save(commit=False)
            extra.event = event
            extra.save()
            audit.record("certificate_recipient.added", library=request.library, obj=extra, request=request,
                         role=extra.role)
            messages.success(request, _("%(name)s added.") % {"name": extra.name})
            return redirect("certificates-recipients", slug=request.library.slug, event_id=event.pk)
    from sapa.attendance.services import attended_registration_ids

    return render(request, "certificates/staff/recipients.html", {
        "event": event, "form": form, "can_edit": _can_edit(request),
        "extras": ExtraRecipient.objects.filter(event=event),
        "attended": len(attended_registration_ids(event)),
    })


@event_view(StaffRole.EDITOR)
@require_POST
def recipient_delete(request, event, recipient_id):
    extra = get_object_or_404(ExtraRecipient, pk=recipient_id, event=event)
    audit.record("certificate_recipient.removed", library=request.library, obj=extra, request=request)
    extra.delete()
    messages.success(request, _("%(name)s removed.") % {"name": extra.name})
    return redirect("certificates-recipients", slug=request.library.slug, event_id=event.pk)


@event_view(StaffRole.STAFF)
def certificate_detail(request, event, certificate_id):
    certificate = _certificate(event, certificate_id)
    form = forms.RevokeForm()
    if request.method == "POST":
        _require_editor(request)
        form = forms.RevokeForm(request.POST)
        if form.is_valid():
            try:
                if request.POST.get("action") == "reissue":
                    new = services.reissue(certificate, reason=form.cleaned_data["reason"], request=request)
                    messages.success(request, _("Revoked and replaced by %(number)s.") % {"number": new.number})
                    return redirect("certificates-certificate", slug=request.library.slug, event_id=event.pk,
                                    certificate_id=new.pk)
                services.revoke(certificate, reason=form.cleaned_data["reason"], request=request)
                messages.success(request, _("Certificate revoked."))
            except services.CertificateRefused as exc:
                messages.error(request, exc.message)
            return redirect("certificates-certificate", slug=request.library.slug, event_id=event.pk,
                            certificate_id=certificate.pk)
    return render(request, "certificates/staff/certificate.html", {
        "event": event, "certificate": certificate, "form": form, "can_edit": _can_edit(request),
        "verify_url": services.verify_url(certificate), "role_label": Role(certificate.role).label,
        "replaces": Certificate.objects.filter(replaced_by=certificate).first(),
    })


@event_view(StaffRole.STAFF)
def certificate_pdf(request, event, certificate_id):
    certificate = _certificate(event, certificate_id)
    if not certificate.file:
        raise Http404
    return FileResponse(certificate.file.open("rb"), content_type="application/pdf",
                        filename=services.file_name(certificate))


@event_view(StaffRole.EDITOR)
def certificates_zip(request, event):
    """Every valid certificate of the event in one ZIP, streamed (one PDF in memory at a time)."""
    rows = (Certificate.objects.filter(event=event, revoked_at__isnull=True, rendered_at__isnull=False)
            .exclude(file="").order_by("seq"))
    count = rows.count()
    if not count:
        messages.error(request, _("There are no certificates to download yet."))
        return redirect("certificates-event", slug=request.library.slug, event_id=event.pk)
    audit.record("certificates.exported", library=request.library, obj=event, request=request, count=count)
    response = StreamingHttpResponse(services.zip_chunks(rows.iterator(chunk_size=200)),
                                     content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="sertifikat-{event.slug}.zip"'
    return response
