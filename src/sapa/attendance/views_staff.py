"""Staff pages of attendance, per event: the overview (counts, rule, list, export),
check-in windows and their full-screen code, meeting report imports with their
preview, and the Zoom chat.

Every page needs the staff role (running the session is front-desk work); the
CSV export, a bulk copy of personal data, needs editor, as registrations'
exports do. Every object is fetched through request.library: another library's
event, window or import answers 404.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from sapa.attendance import services
from sapa.attendance.files import FileProblem
from sapa.attendance.forms import (
    AttendanceFilterForm,
    ChatFilterForm,
    ChatUploadForm,
    OpenWindowForm,
    RuleForm,
    UploadForm,
)
from sapa.attendance.models import Attendance, ChatImport, ChatMessage, CheckInWindow, ReportImport
from sapa.core import exports, timefmt
from sapa.events.models import RegistrationStatus
from sapa.events.tenancy import event_view
from sapa.libraries import audit
from sapa.libraries.models import Role

PAGE_SIZE = 50


def _back(request, event, name="attendance-event"):
    return redirect(name, slug=request.library.slug, event_id=event.pk)


def _counts(event) -> dict:
    registered = event.registrations.aggregate(
        registered=Count("id", filter=Q(status=RegistrationStatus.CONFIRMED)),
        stream=Count("id", filter=Q(status=RegistrationStatus.STREAM)),
    )
    stream = Q(registration__status=RegistrationStatus.STREAM)
    counts = Attendance.objects.filter(event=event).aggregate(
        checked_in=Count("id", filter=Q(checked_in_at__isnull=False)),
        checked_in_end=Count("id", filter=Q(checked_in_end_at__isnull=False)),
        seen=Count("id", filter=Q(minutes__gt=0)),
        attended_seat=Count("id", filter=Q(attended=True) & ~stream),
        attended_stream=Count("id", filter=Q(attended=True) & stream),
    )
    counts["attended"] = counts.pop("attended_seat")
    return {**registered, **counts}


def _people(event, filters: dict):
    """The event's registrations (not cancelled, or with an attendance row) with their attendance."""
    qs = event.registrations.filter(anonymized_at__isnull=True).filter(
        ~Q(status=RegistrationStatus.CANCELLED) | Q(attendance__isnull=False)
    ).select_related("attendance").order_by("name", "id")
    q = filters.get("q")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q))
    state = filters.get("state")
    if state == "attended":
        qs = qs.filter(attendance__attended=True)
    elif state == "not_attended":
        qs = qs.exclude(attendance__attended=True)
    elif state == "checked_in":
        qs = qs.filter(attendance__checked_in_at__isnull=False)
    elif state == "not_checked_in":
        qs = qs.exclude(attendance__checked_in_at__isnull=False)
    elif state == "no_record":
        qs = qs.filter(attendance__isnull=True)
    return qs


def _filters(request):
    form = AttendanceFilterForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    return form, filters


def _overview_context(request, event, rule_form=None):
    form, filters = _filters(request)
    page = Paginator(_people(event, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "event": event, "counts": _counts(event), "form": form, "filtered": bool(filters), "page": page,
        "rule_form": rule_form or RuleForm(instance=services.rule_for(event)),
        "session_minutes": services.session_minutes(event),
        "window": services.open_window(event), "window_form": OpenWindowForm(),
        "imports": event.report_imports.select_related("created_by")[:5],
        "can_export": request.membership.has_role(Role.EDITOR),
        "export_query": request.GET.urlencode(),
        "not_held_yet": services.not_held_yet(event),
    }


@event_view(Role.STAFF)
def overview(request, event):
    return render(request, "attendance/staff/overview.html", _overview_context(request, event))


@event_view(Role.STAFF)
@require_POST
def rule(request, event):
    form = RuleForm(request.POST, instance=services.rule_for(event))
    if not form.is_valid():
        return render(request, "attendance/staff/overview.html",
                      _overview_context(request, event, rule_form=form), status=400)
    changed = services.save_rule(event, min_minutes=form.cleaned_data["min_minutes"],
                                 min_percent=form.cleaned_data["min_percent"],
                                 combine=form.cleaned_data["combine"],
                                 require_both_checkins=form.cleaned_data["require_both_checkins"], request=request)
    messages.success(request, ngettext(
        "The rule is saved and applied again: %(n)d participant changed.",
        "The rule is saved and applied again: %(n)d participants changed.", changed) % {"n": changed})
    return _back(request, event)


@event_view(Role.EDITOR)
def export(request, event):
    _form, filters = _filters(request)
    header = [_("Name"), _("Email"), _("Institution"), _("Registration status"), _("Minutes"), _("Checked in"),
              _("Checked in at the end"), _("Attended")]
    rows = []
    for r in _people(event, filters):
        row = getattr(r, "attendance", None)
        rows.append([
            # What the participant typed is written as text, never as a formula (sapa.core.exports).
            r.name, r.email, r.institution, r.get_status_display(),
            row.minutes if row else 0,
            timefmt.local(row.checked_in_at, event.time_zone).strftime("%Y-%m-%d %H:%M")
            if row and row.checked_in_at else "",
            timefmt.local(row.checked_in_end_at, event.time_zone).strftime("%Y-%m-%d %H:%M")
            if row and row.checked_in_end_at else "",
            _("yes") if row and row.attended else _("no"),
        ])
    audit.record("attendance.exported", library=request.library, obj=event, request=request, rows=len(rows),
                 filters={k: str(v) for k, v in filters.items()})
    return exports.response("csv", header, rows, f"presensi-{event.slug}")


# --- Check-in windows --------------------------------------------------------------------


@event_view(Role.STAFF)
@require_POST
def checkin_open(request, event):
    form = OpenWindowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how long the check-in stays open."))
        return _back(request, event)
    window = services.open_checkin(event, form.cleaned_data["minutes"],
                                   moment=form.cleaned_data["moment"] or "start", request=request)
    if services.not_held_yet(event):
        # Back to the attendance page, which says so, rather than straight to the shared screen.
        messages.warning(request, _("Careful: this event starts on %(t)s. Participants who check in now are "
                                    "counted as present at a session that has not taken place yet.")
                         % {"t": timefmt.format_datetime(event.starts_at, event.time_zone)})
        return _back(request, event)
    return redirect("attendance-checkin-screen", slug=request.library.slug, event_id=event.pk, window_id=window.pk)


def _window(event, window_id) -> CheckInWindow:
    return get_object_or_404(CheckInWindow, pk=window_id, event=event)


@event_view(Role.STAFF)
def checkin_screen(request, event, window_id):
    """The code, huge, and the time left: the page staff share on Zoom."""
    from django.utils.safestring import mark_safe

    from sapa.promotion import qr

    window = _window(event, window_id)
    now = timezone.now()
    public_url = services.checkin_url(event)
    svg = qr.svg(public_url, scale=6, title=public_url, fluid=True).decode()
    svg = svg[svg.index("<svg"):]
    return render(request, "attendance/staff/screen.html", {
        "event": event, "window": window, "open": window.is_open(now),
        "seconds_left": max(0, int((window.closes_at - now).total_seconds())),
        "public_url": public_url, "short_url": public_url.split("://", 1)[-1],
        "qr_svg": mark_safe(svg),  # noqa: S308 - segno's own SVG of our own URL
        "closes_ms": int(window.closes_at.timestamp() * 1000), "now_ms": int(now.timestamp() * 1000),
    })


@event_view(Role.STAFF)
@require_POST
def checkin_close(request, event, window_id):
    window = _window(event, window_id)
    if services.close_checkin(window, request=request):
        messages.success(request, _("Check-in is closed."))
    return _back(request, event)


# --- Meeting report imports --------------------------------------------------------------


@event_view(Role.STAFF)
def import_upload(request, event):
    form = UploadForm(request.POST or None, request.FILES or None)
    problem = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                pending = services.start_import(event, upload.read(), upload.name, request=request)
            except FileProblem as exc:
                problem = exc.message
            else:
                return redirect("attendance-import-preview", slug=request.library.slug, event_id=event.pk,
                                import_id=pending.pk)
        status = 400
    services.purge_pending_imports()  # an expired preview is shown as discarded, not as waiting
    imports = list(event.report_imports.select_related("created_by", "saved_by")[:20])
    for row in imports:
        row.expires_at = row.created_at + services.PENDING_KEPT  # purge_pending_imports discards it then
    return render(request, "attendance/staff/import.html", {
        "event": event, "form": form, "problem": problem, "imports": imports,
    }, status=status)


def _import(event, import_id) -> ReportImport:
    return get_object_or_404(ReportImport, pk=import_id, event=event)


@event_view(Role.STAFF)
def import_preview(request, event, import_id):
    pending = _import(event, import_id)
    if pending.state != ReportImport.State.PENDING:
        messages.info(request, _("This import was already saved or discarded."))
        return redirect("attendance-import", slug=request.library.slug, event_id=event.pk)
    people = pending.data.get("people", [])
    registrations = list(services._matchable(event).order_by("name", "id").values("pk", "name", "email"))
    error = None
    if request.method == "POST":
        choices = {}
        for index, person in enumerate(people):
            if person.get("registration") is None:
                value = request.POST.get(f"match-{index}", "")
                if value:
                    try:
                        choices[index] = int(value)
                    except ValueError:
                        choices[index] = -1
        try:
            counts = services.save_import(pending, choices, request=request)
        except services.ImportRefused as exc:
            error = exc.message
        else:
            messages.success(request, ngettext(
                "Saved: minutes of %(n)d participant, %(hand)d matched by hand, %(ignored)d rows ignored.",
                "Saved: minutes of %(n)d participants, %(hand)d matched by hand, %(ignored)d rows ignored.",
                counts["written"]) % {"n": counts["written"], "hand": counts["by_hand"],
                                      "ignored": counts["ignored"]})
            return _back(request, event)
    names = {r["pk"]: r for r in registrations}
    matched = [dict(p, index=i, registration_name=names.get(p["registration"], {}).get("name", ""))
               for i, p in enumerate(people) if p.get("registration")]
    unmatched = [dict(p, index=i, chosen=request.POST.get(f"match-{i}", ""))
                 for i, p in enumerate(people) if not p.get("registration")]
    days = services.report_days(pending)
    event_day = timezone.localtime(event.starts_at, ZoneInfo(event.time_zone)).date()
    return render(request, "attendance/staff/preview.html", {
        "event": event, "pending": pending, "matched": matched, "unmatched": unmatched,
        "registrations": registrations, "error": error, "data": pending.data,
        "other_day": bool(days) and event_day not in days,
        "report_days": ", ".join(timefmt.format_date(datetime.combine(d, time(12), ZoneInfo(event.time_zone)),
                                                     event.time_zone) for d in days),
    }, status=400 if error else 200)


@event_view(Role.STAFF)
@require_POST
def import_discard(request, event, import_id):
    if services.discard_import(_import(event, import_id), request=request):
        messages.info(request, _("The import was discarded; nothing was saved."))
    return redirect("attendance-import", slug=request.library.slug, event_id=event.pk)


# --- The Zoom chat ---------------------------------------------------------------------------


@event_view(Role.STAFF)
def chat(request, event):
    upload_form = ChatUploadForm(request.POST or None, request.FILES or None)
    problem = None
    status = 200
    if request.method == "POST":
        if upload_form.is_valid():
            upload = upload_form.cleaned_data["file"]
            try:
                record = services.preview_chat(event, upload.read(), upload.name, request=request)
            except FileProblem as exc:
                problem = exc.message
            else:
                return redirect("attendance-chat-preview", slug=request.library.slug, event_id=event.pk,
                                import_id=record.pk)
        status = 400
    form = ChatFilterForm(request.GET or None)
    qs = ChatMessage.objects.filter(event=event)
    filtered = False
    if form.is_bound and form.is_valid():
        q, kind = form.cleaned_data.get("q"), form.cleaned_data.get("kind")
        if q:
            qs = qs.filter(Q(sender__icontains=q) | Q(text__icontains=q) | Q(recipient__icontains=q))
        if kind == "questions":
            qs = qs.filter(is_question=True)
        elif kind == "thanks":
            qs = qs.filter(is_thanks=True)
        elif kind == "private":
            qs = qs.filter(is_private=True)
        filtered = bool(q or kind)
    page = Paginator(qs.order_by("position"), 100).get_page(request.GET.get("page"))
    return render(request, "attendance/staff/chat.html", {
        "event": event, "upload_form": upload_form, "problem": problem, "form": form, "page": page,
        "filtered": filtered, "stats": services.chat_stats(event),
        "last_import": ChatImport.objects.filter(event=event, state=ChatImport.State.SAVED)
        .select_related("created_by").first(),
    }, status=status)


PREVIEW_MESSAGES = 20


@event_view(Role.STAFF)
def chat_preview(request, event, import_id):
    """A chat file read but not saved: what it holds, what it replaces; save or discard."""
    record = get_object_or_404(ChatImport, pk=import_id, event=event)
    if record.state != ChatImport.State.PENDING:
        messages.info(request, _("This chat import was already saved or discarded."))
        return _back(request, event, "attendance-chat")
    if request.method == "POST":
        if request.POST.get("action") == "save":
            services.save_chat(record, request=request)
            messages.success(request, ngettext(
                "Imported %(n)d chat message; it replaces the earlier chat.",
                "Imported %(n)d chat messages; they replace the earlier chat.", record.messages)
                % {"n": record.messages})
        else:
            services.discard_chat(record, request=request)
            messages.info(request, _("The chat file was discarded; the chat is unchanged."))
        return _back(request, event, "attendance-chat")
    shown = record.data.get("messages", [])[:PREVIEW_MESSAGES]
    for message in shown:
        message["when"] = datetime.fromisoformat(message["sent_at"]) if message["sent_at"] else None
    return render(request, "attendance/staff/chat_preview.html", {
        "event": event, "record": record, "shown": shown,
        "current": ChatImport.objects.filter(event=event, state=ChatImport.State.SAVED).first(),
        "current_count": ChatMessage.objects.filter(event=event).count(),
    })
