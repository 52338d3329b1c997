"""Staff pages: the library's Zoom app (admins), and an event's Zoom meeting (staff).

Every view checks the library (library_view, or event_view for an event's pages) and takes
objects of that library only.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sapa.events.tenancy import event_view
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view
from sapa.meetings import services, sync
from sapa.meetings.connectors import base, zoom
from sapa.meetings.forms import CreateMeetingForm, GoogleAccountForm, ZoomAccountForm
from sapa.meetings.models import GoogleAccount, GoogleMeeting, ZoomAccount, ZoomMeeting


def _account(request):
    return ZoomAccount.objects.filter(library=request.library).first()


@library_view(Role.ADMIN)
def account(request):
    current = _account(request)
    initial = {"account_id": current.account_id, "client_id": current.client_id} if current else {}
    form = ZoomAccountForm(
        request.POST or None,
        initial=initial,
        has_secret=bool(current and current.secrets.get("client_secret")),
    )
    if request.method == "POST" and form.is_valid():
        services.save_account(request.library, request=request, **form.cleaned_data)
        messages.success(request, _saved())
        return redirect("meetings-zoom-account", slug=request.library.slug)
    webhook_url = (
        settings.BASE_URL + reverse("meetings-zoom-webhook", args=[current.webhook_key])
        if current
        else ""
    )
    return render(
        request,
        "meetings/account.html",
        {"form": form, "account": current, "webhook_url": webhook_url},
    )


def _saved():
    return _('Saved. Use "Test connection" to check it.')


@require_POST
@library_view(Role.ADMIN)
def account_test(request):
    current = _account(request)
    if current is None:
        return redirect("meetings-zoom-account", slug=request.library.slug)
    ok, message = services.test_connection(current, request=request)
    (messages.success if ok else messages.error)(request, message)
    return redirect("meetings-zoom-account", slug=request.library.slug)


@event_view(Role.STAFF)
def event_meeting(request, event):
    meeting = ZoomMeeting.objects.filter(event=event).first()
    form = CreateMeetingForm(request.POST or None)
    if request.method == "POST":
        if not request.membership.has_role(Role.EDITOR):
            raise Http404
        if form.is_valid():
            try:
                services.create_meeting(event, kind=form.cleaned_data["kind"], request=request)
            except zoom.ZoomError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "The Zoom meeting was created. Confirmed participants are "
                        "being added as registrants."
                    ),
                )
            return redirect("meetings-event", slug=request.library.slug, event_id=event.pk)
    return render(
        request,
        "meetings/event.html",
        {
            "event": event,
            "meeting": meeting,
            "form": form,
            "account": _account(request),
            "counts": services.registrant_counts(meeting) if meeting else None,
        },
    )


@require_POST
@event_view(Role.STAFF)
def event_attendance(request, event):
    """Read the participants report now (when no webhook is set up, or it was missed)."""
    meeting = get_object_or_404(ZoomMeeting, event=event)
    try:
        pending = sync.fetch_attendance(meeting.pk, request=request)
    except zoom.ZoomError as exc:
        messages.error(request, exc.message)
        return redirect("meetings-event", slug=request.library.slug, event_id=event.pk)
    messages.success(request, _("Zoom's participants report was read. Check it, then save."))
    return redirect(
        "attendance-import-preview",
        slug=request.library.slug,
        event_id=event.pk,
        import_id=pending.pk,
    )


@library_view(Role.ADMIN)
def google_account(request):

    current = GoogleAccount.objects.filter(library=request.library).first()
    initial = {"user": current.user, "calendar_id": current.calendar_id} if current else {}
    form = GoogleAccountForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_google_account(
                request.library,
                key_file=form.cleaned_data["key_file"],
                user=form.cleaned_data["user"],
                calendar_id=form.cleaned_data["calendar_id"],
                request=request,
            )
        except ValueError as exc:
            form.add_error("key_file", str(exc))
        else:
            messages.success(request, _saved())
            return redirect("meetings-google-account", slug=request.library.slug)
    return render(request, "meetings/google.html", {"form": form, "account": current})


@require_POST
@library_view(Role.ADMIN)
def google_test(request):
    current = GoogleAccount.objects.filter(library=request.library).first()
    if current is not None:
        ok, message = services.test_google(current, request=request)
        (messages.success if ok else messages.error)(request, message)
    return redirect("meetings-google-account", slug=request.library.slug)


@require_POST
@event_view(Role.EDITOR)
def event_meet(request, event):
    try:
        services.create_meet(event, request=request)
    except base.ConnectorError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The Google Meet link was created and is now the event's meeting link.")
        )
    return redirect("meetings-event", slug=request.library.slug, event_id=event.pk)


@require_POST
@event_view(Role.STAFF)
def event_meet_attendance(request, event):
    meeting = get_object_or_404(GoogleMeeting, event=event)
    try:
        pending = sync.fetch_meet_attendance(meeting.pk, request=request)
    except base.ConnectorError as exc:
        messages.error(request, exc.message)
        return redirect("meetings-event", slug=request.library.slug, event_id=event.pk)
    messages.success(request, _("Google Meet's attendance was read. Check it, then save."))
    return redirect(
        "attendance-import-preview",
        slug=request.library.slug,
        event_id=event.pk,
        import_id=pending.pk,
    )
