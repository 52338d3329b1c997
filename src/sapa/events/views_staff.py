"""Staff pages of events: the list, the event form, speakers, categories, questions,
registrations (search, filters, counts, edit, cancel, promote, add by hand) and exports.

Who may do what (members below the role get 404, as everywhere in the staff area):

- staff: see events and their registrations, and look after the people: add a
  registration by hand, correct one, cancel one, promote someone from the
  waiting list. That is the front desk's daily work (LibCal lets any staff
  member do it), and every such change is audited.
- editor and admin: also create, edit, duplicate and cancel events, edit their
  speakers, categories and questions, and export registrations. Exports are
  the bulk copy of personal data that UU 27/2022 asks to keep to few hands;
  cancelling an event writes to every participant.

Every object is fetched through request.library: another library's event or
registration id answers 404.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from sapa.events import exports, services
from sapa.events.forms_staff import (
    EXPORT_FORMATS,
    CategoryFormSet,
    EventForm,
    QuestionFormSet,
    RegistrationFilterForm,
    SpeakerFormSet,
    StaffRegistrationForm,
)
from sapa.events.models import Event, Registration, RegistrationStatus
from sapa.events.tenancy import event_view
from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view

PAGE_SIZE = 50


def _registration(event, registration_id) -> Registration:
    return get_object_or_404(Registration.objects.select_related("category", "event__library"),
                             pk=registration_id, event=event)


def _can_edit(request) -> bool:
    return request.membership.has_role(Role.EDITOR)


def _counts(event) -> dict:
    """Seats and registrations by status and by category (the whole event, not the filters)."""
    by_status = dict(event.registrations.values_list("status").annotate(n=Count("id")).order_by())
    confirmed = by_status.get(RegistrationStatus.CONFIRMED, 0)
    active = Q(registrations__status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
                                          RegistrationStatus.STREAM])
    categories = list(event.categories.annotate(
        confirmed=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
        waitlisted=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
        active=Count("registrations", filter=active),
    ))
    uncategorized = event.registrations.filter(
        category__isnull=True,
        status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.STREAM],
    ).count()
    return {
        "confirmed": confirmed,
        "waitlisted": by_status.get(RegistrationStatus.WAITLISTED, 0),
        "stream": by_status.get(RegistrationStatus.STREAM, 0),
        "cancelled": by_status.get(RegistrationStatus.CANCELLED, 0),
        "seats_left": max(event.capacity - confirmed, 0),
        "categories": categories,
        "uncategorized": uncategorized,
    }


# --- Events ------------------------------------------------------------------------------


@library_view(Role.STAFF)
def event_list(request):
    now = timezone.now()
    past = request.GET.get("when") == "past"
    events = Event.objects.filter(library=request.library).annotate(
        confirmed=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
        waitlisted=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
    )
    events = events.filter(ends_at__lt=now).order_by("-starts_at") if past else \
        events.filter(ends_at__gte=now).order_by("starts_at")
    page = Paginator(events, 25).get_page(request.GET.get("page"))
    return render(request, "events/staff/list.html", {
        "page": page, "past": past, "can_edit": _can_edit(request),
    })


@library_view(Role.EDITOR)
def event_create(request):
    form = EventForm(request.POST or None, request.FILES or None, library=request.library)
    if request.method == "POST" and form.is_valid():
        event = services.create_event(form.save(commit=False), library=request.library, request=request)
        messages.success(request, _("Event created. Check its categories and add speakers and questions."))
        return redirect("staff-event-detail", slug=request.library.slug, event_id=event.pk)
    return render(request, "events/staff/form.html", {"form": form, "event": None},
                  status=400 if form.errors else 200)


@event_view(Role.STAFF)
def event_detail(request, event):
    return render(request, "events/staff/detail.html", {
        "event": event, "counts": _counts(event), "can_edit": _can_edit(request),
        "state": event.registration_state(),
        "speakers": event.speakers.all(), "questions": event.questions.all(),
    })


@event_view(Role.EDITOR)
def event_edit(request, event):
    form = EventForm(request.POST or None, request.FILES or None, instance=event, library=request.library)
    if request.method == "POST" and form.is_valid():
        try:
            promoted = services.update_event(event, form.save, capacity=form.cleaned_data["capacity"],
                                             changed=form.changed_data, request=request)
        except services.RegistrationRefused as exc:
            form.add_error("capacity", exc.message)
        else:
            if promoted:
                messages.success(request, ngettext(
                    "Saved. %(n)d person moved up from the waiting list and is told by email.",
                    "Saved. %(n)d people moved up from the waiting list and are told by email.",
                    len(promoted)) % {"n": len(promoted)})
            else:
                messages.success(request, _("Saved."))
            return redirect("staff-event-detail", slug=request.library.slug, event_id=event.pk)
    return render(request, "events/staff/form.html", {"form": form, "event": event},
                  status=400 if form.errors else 200)


def _formset_page(request, event, formset_class, *, template, what: str, title: str):
    formset = formset_class(request.POST or None, request.FILES or None, instance=event, prefix=what)
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            formset.save()
            if formset.has_changed():
                audit.record(f"event.{what}_updated", library=request.library, obj=event, request=request)
        messages.success(request, _("Saved."))
        if "add" in request.POST:
            return redirect(request.path)
        return redirect("staff-event-detail", slug=request.library.slug, event_id=event.pk)
    refused = formset.is_bound and not formset.is_valid()
    return render(request, template, {"event": event, "formset": formset, "title": title, "what": what},
                  status=400 if refused else 200)


@event_view(Role.EDITOR)
def event_speakers(request, event):
    return _formset_page(request, event, SpeakerFormSet, template="events/staff/formset.html",
                         what="speakers", title=_("Speakers"))


@event_view(Role.EDITOR)
def event_categories(request, event):
    return _formset_page(request, event, CategoryFormSet, template="events/staff/formset.html",
                         what="categories", title=_("Participant categories"))


@event_view(Role.EDITOR)
def event_questions(request, event):
    return _formset_page(request, event, QuestionFormSet, template="events/staff/formset.html",
                         what="questions", title=_("Questions on the registration form"))


@event_view(Role.EDITOR)
@require_POST
def event_duplicate(request, event):
    copy = services.duplicate_event(event, request=request)
    messages.success(request, _("This is a draft copy of “%(title)s”. Set its dates, then publish it.")
                     % {"title": event.title})
    return redirect("staff-event-edit", slug=request.library.slug, event_id=copy.pk)


@event_view(Role.EDITOR)
def event_cancel(request, event):
    if request.method == "POST" and not event.is_cancelled:
        count = services.cancel_event(event, request=request)
        messages.success(request, ngettext(
            "The event is cancelled. %(n)d registration was cancelled and the person is told by email.",
            "The event is cancelled. %(n)d registrations were cancelled and the people are told by email.",
            count) % {"n": count})
        return redirect("staff-event-detail", slug=request.library.slug, event_id=event.pk)
    return render(request, "events/staff/cancel.html", {"event": event, "counts": _counts(event)})


# --- Registrations -------------------------------------------------------------------------


def _filtered(event, request):
    form = RegistrationFilterForm(event, request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    return form, filters, exports.registrations_query(event, **filters)


@event_view(Role.STAFF)
def registrations(request, event):
    form, filters, qs = _filtered(event, request)
    page = Paginator(qs.select_related("category").order_by("id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "events/staff/registrations.html", {
        "event": event, "form": form, "page": page, "counts": _counts(event), "filtered": bool(filters),
        "can_edit": _can_edit(request), "query": query.urlencode(), "export_formats": EXPORT_FORMATS,
        "export_filters": [(k, v) for k, v in request.GET.items() if k not in ("page", "format")],
    }, status=400 if form.is_bound and not form.is_valid() else 200)


@event_view(Role.STAFF)
def registration_add(request, event):
    if event.is_cancelled:
        messages.error(request, _("This event has been cancelled."))
        return redirect("staff-registrations", slug=request.library.slug, event_id=event.pk)
    form = StaffRegistrationForm(event, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.add_registration_by_staff(event, **form.register_kwargs(), request=request)
        except services.RegistrationRefused as exc:
            form.add_error(None, exc.message)
        else:
            registration = result.registration
            if not result.created:
                messages.info(request, _("%(email)s is already registered; here is the registration.")
                              % {"email": registration.email})
                return redirect("staff-registration-edit", slug=request.library.slug, event_id=event.pk,
                                registration_id=registration.pk)
            if registration.status == RegistrationStatus.CONFIRMED:
                messages.success(request, _("%(name)s has a seat and is told by email.")
                                 % {"name": registration.name})
            else:
                messages.warning(request, _("All seats are taken: %(name)s is on the waiting list.")
                                 % {"name": registration.name})
            if "another" in request.POST:
                return redirect("staff-registration-add", slug=request.library.slug, event_id=event.pk)
            return redirect("staff-registrations", slug=request.library.slug, event_id=event.pk)
    return render(request, "events/staff/registration_form.html", {"event": event, "form": form,
                                                                     "registration": None})


@event_view(Role.STAFF)
def registration_edit(request, event, registration_id):
    registration = _registration(event, registration_id)
    if registration.anonymized_at:
        raise Http404
    form = StaffRegistrationForm(event, request.POST or None, registration=registration)
    if request.method == "POST" and form.is_valid():
        data = form.register_kwargs()
        data.pop("consent", None)
        data.pop("overflow", None)  # a choice at registration, not a detail to edit
        try:
            services.update_registration(registration, by="staff", request=request, **data)
        except services.RegistrationRefused as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff-registrations", slug=request.library.slug, event_id=event.pk)
    return render(request, "events/staff/registration_form.html", {
        "event": event, "form": form, "registration": registration,
    })


@event_view(Role.STAFF)
def registration_cancel(request, event, registration_id):
    registration = _registration(event, registration_id)
    if request.method == "POST":
        if services.cancel_registration(registration, by="staff", request=request):
            messages.success(request, _("The registration of %(name)s is cancelled; they are told by email. "
                                        "A freed seat goes to the next person waiting.")
                             % {"name": registration.name})
        else:
            messages.info(request, _("This registration was already cancelled."))
        return _back_to_registrations(request, event)
    return render(request, "events/staff/registration_cancel.html", {
        "event": event, "registration": registration,
    })


@event_view(Role.STAFF)
@require_POST
def registration_promote(request, event, registration_id):
    registration = _registration(event, registration_id)
    try:
        services.promote(registration, request=request)
    except services.RegistrationRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s now has a seat and is told by email.") % {"name": registration.name})
    return _back_to_registrations(request, event)


def _back_to_registrations(request, event):
    """The registrations table, with the search and filters the staff member had."""
    from django.urls import reverse

    url = reverse("staff-registrations", kwargs={"slug": request.library.slug, "event_id": event.pk})
    query = request.POST.get("query", "")
    return redirect(f"{url}?{query}" if query and "//" not in query else url)


@event_view(Role.EDITOR)
def registrations_export(request, event):
    fmt = request.GET.get("format", "")
    if fmt not in exports.FORMATS:
        messages.error(request, _("Choose a file format for the export."))
        return redirect("staff-registrations", slug=request.library.slug, event_id=event.pk)
    form, filters, qs = _filtered(event, request)
    if form.is_bound and not form.is_valid():  # never export everything for a filter that was refused
        from django.urls import reverse

        messages.error(request, _("The filters are not valid; nothing was exported."))
        query = request.GET.copy()
        query.pop("format", None)
        return redirect(reverse("staff-registrations", args=[request.library.slug, event.pk]) + "?"
                        + query.urlencode())
    return exports.export_response(event, qs, fmt, request=request,
                                   filters={k: str(v) for k, v in filters.items()})
