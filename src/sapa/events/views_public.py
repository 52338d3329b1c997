"""Public event pages: the event and its registration form, the confirmation, the
participant's personal page, the library's iCalendar feed.

No JavaScript is needed anywhere; every change is a POST (CSRF-protected) and
every POST that succeeds redirects (PRG).
"""

import hmac
import html
import json
from contextlib import nullcontext

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape, strip_tags
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sapa.core.inputs import text_problem
from sapa.events import notices, services
from sapa.events.forms import HONEYPOT_FIELD, TIMESTAMP_FIELD, RegistrationForm, form_timestamp
from sapa.events.ical import library_feed
from sapa.events.models import Registration, RegistrationStatus
from sapa.events.public import (
    description_html,
    page_snapshot,
    public_event,
    registration_channel,
    registration_limited,
    seats_and_queue,
    snapshot_event,
)
from sapa.events.services import waitlist_position
from sapa.events.structure import event_structure
from sapa.libraries.models import Library

DONE_SALT = "sapa.events.registered"
DONE_MAX_AGE = 60 * 60 * 24


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.BASE_URL + url


def _event_context(event, form=None, error=None, seats=None):
    state = event.registration_state()
    left, full, stream = seats or seats_and_queue(event)
    if form is None and state == "open":
        form = RegistrationForm(event)
    poster_url = ""
    if event.poster:
        try:
            poster_url = _absolute(event.poster.url)
        except ValueError:
            poster_url = ""
    description = description_html(event)
    summary = " ".join(html.unescape(strip_tags(description)).split())[:200]
    return {
        "event": event,
        "library": event.library,
        "state": state,
        "state_message": services.STATE_MESSAGES.get(state, ""),
        "seats_left": left,
        "full": full,
        "stream_count": stream,
        "form": form,
        "error": error,
        "speakers": list(event_structure(event).speakers),
        "description_html": description,
        "summary": summary,
        "poster_url": poster_url,
        "page_url": services.event_url(event),
    }


# Rendered event pages, per process: the page is the same for every fresh
# visitor but for the CSRF token, the form's signed timestamp and the language
# form's return path, which are put in per request. The key holds everything
# else the page shows, so a change of the event, its seats or its state is a
# new entry. Visitors with a session or pending messages get a fresh render.
_PAGE_CACHE: dict[tuple, str] = {}
_PAGE_CACHE_MAX = 256
CSRF_MARKER = "sapa0csrf0marker0d2f9"
TS_MARKER = "sapa0ts0marker0a71c"
PATH_MARKER = "sapa0path0marker0b33e"


def _event_page_get(request, slug):
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return render(request, "events/public/event.html", _event_context(public_event(slug)))
    event, seats = page_snapshot(slug)
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    state = event.registration_state()
    key = (event.pk, event.created_at, event.updated_at, language, state, seats)
    page = _PAGE_CACHE.get(key)
    if page is None:
        context = _event_context(event, seats=seats)
        if context["form"] is not None:
            context["form"].initial[TIMESTAMP_FIELD] = TS_MARKER
        context.update({"csrf_token": CSRF_MARKER, "language_next": PATH_MARKER})
        page = render_to_string("events/public/event.html", context, request=request)
        if len(_PAGE_CACHE) >= _PAGE_CACHE_MAX:
            _PAGE_CACHE.clear()
        _PAGE_CACHE[key] = page
    page = (page.replace(CSRF_MARKER, get_token(request))
            .replace(TS_MARKER, form_timestamp())
            .replace(PATH_MARKER, escape(request.get_full_path())))
    return HttpResponse(page)


# Fields a refused form does not give back: the form's own security and bot checks.
_NOT_KEPT = {"csrfmiddlewaretoken", TIMESTAMP_FIELD, HONEYPOT_FIELD}


def _refused_keeping_input(request, event, message):
    """429 with the form as the visitor filled it (a fresh timestamp), nothing stored."""
    typed = {k: (v if len(v) > 1 else v[0]) for k, v in request.POST.lists() if k not in _NOT_KEPT}
    form = RegistrationForm(event, initial=typed) if event.registration_state() == "open" else None
    return render(request, "events/public/event.html", _event_context(event, form=form, error=message),
                  status=429)


@require_http_methods(["GET", "HEAD", "POST"])
def event_page(request, slug):
    """The event, and its registration form while registration is open."""
    if request.method != "POST":
        return _event_page_get(request, slug)
    # At most a second old: register() re-checks the state and the seats under the lock.
    event = snapshot_event(slug)

    state = event.registration_state()
    form = RegistrationForm.submitted(event, request.POST) if state == "open" else None
    valid = form is not None and form.is_valid()
    # Every attempt counts for its address; a valid one also for its email (one write).
    limited = registration_limited(request, event, form.cleaned_data["email"] if valid else None)
    if limited == "address":
        return _refused_keeping_input(request, event, _(
            "Too many registration attempts from your network. Wait a few minutes and try again."))
    if state != "open":
        return render(request, "events/public/event.html", _event_context(
            event, error=services.STATE_MESSAGES[state]), status=400)
    if not valid:
        return render(request, "events/public/event.html", _event_context(
            event, form=form, error=_("Please correct the marked fields.")), status=400)
    if limited == "email":
        return _refused_keeping_input(request, event, _(
            "Too many registration attempts with this email address. Wait a few minutes and try again."))
    try:
        optin = form.whatsapp_optin()
        # With the WhatsApp opt-in, one transaction: the queued notices see it (sapa.whatsapp).
        with transaction.atomic() if optin else nullcontext():
            result = services.register(
                event, **form.register_kwargs(), language=getattr(request, "LANGUAGE_CODE", "") or
                settings.LANGUAGE_CODE, source="form", channel=registration_channel(request, event),
            )
            if optin and result.created:
                notices.whatsapp_optin.send(Registration, registration=result.registration, text=optin)
    except services.RegistrationRefused as refused:
        return render(request, "events/public/event.html", _event_context(
            event, form=form, error=refused.message), status=400)
    # Only what the visitor typed (masked) and the row's random id: the token is readable
    # (signed, not encrypted), so it must not say whether the email was registered before.
    token = signing.dumps({"r": str(result.registration.public_id),
                           "e": _mask_email(form.cleaned_data["email"])}, salt=DONE_SALT, compress=True)
    return redirect(reverse("event-registered", args=[event.slug]) + "?r=" + token)


@require_GET
def registered(request, slug):
    """After the registration: check your email. The same page for a new email and one
    already registered (it must not tell anyone which emails are registered); the
    result and the personal link are in the email."""
    event = public_event(slug)
    try:
        data = signing.loads(request.GET.get("r", ""), salt=DONE_SALT, max_age=DONE_MAX_AGE)
        masked = str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return redirect("event-public", slug=event.slug)
    return render(request, "events/public/registered.html", {
        "event": event, "library": event.library, "masked_email": masked,
    })


def _mask_email(email: str) -> str:
    """n***@example.org: enough for its owner to recognise, little for anyone else."""
    local, _, domain = (email or "").partition("@")
    if not domain:
        return ""
    return f"{local[:1]}***@{domain}"


# --- The personal page ---------------------------------------------------------------------


def _registration(public_id, token) -> Registration:
    """The registration behind a personal link; 404 for a wrong token, the same as no row."""
    registration = (Registration.objects.select_related("event__library", "category")
                    .filter(public_id=public_id).first())
    if registration is None or registration.anonymized_at or not hmac.compare_digest(
        registration.manage_token.encode(), str(token).encode()
    ):
        raise Http404
    return registration


def _manage_url(registration) -> str:
    return reverse("registration-manage", args=[registration.public_id, registration.manage_token])


@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, public_id, token):
    """The participant's own page: their registration and what they can do with it."""
    registration = _registration(public_id, token)
    event = registration.event
    name_error = None
    status = 200
    if request.method == "POST":
        name = " ".join((request.POST.get("name") or "").split())
        if not name:
            name_error = _("Enter your full name.")
        elif problem := text_problem(name):
            name_error = problem
        elif len(name) > 150:
            name_error = _("Use at most %(limit)d characters.") % {"limit": 150}
        else:
            services.update_registration(registration, by="participant", name=name)
            messages.success(request, _("Your name has been saved."))
            return redirect(_manage_url(registration))
        status = 400
    return render(request, "events/public/manage.html", {
        "event": event, "library": event.library, "registration": registration,
        "position": waitlist_position(registration), "name_error": name_error,
        "name_value": request.POST.get("name", registration.name) if name_error else registration.name,
        "show_meeting_link": services.show_meeting_link(registration, "confirmed"),
        "meeting_link": services.meeting_link(registration),
        "manage_url": _manage_url(registration),
    }, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def manage_cancel(request, public_id, token):
    """Cancel a seat or leave the waiting list, after a confirmation step."""
    registration = _registration(public_id, token)
    if not registration.is_active:
        return redirect(_manage_url(registration))
    if request.method == "POST":
        was_waiting = registration.status == RegistrationStatus.WAITLISTED
        services.cancel_registration(registration, by="participant")
        messages.success(request, _("You have left the waiting list.") if was_waiting
                         else _("Your registration has been cancelled. Thank you for freeing your seat."))
        return redirect(_manage_url(registration))
    return render(request, "events/public/manage_cancel.html", {
        "event": registration.event, "library": registration.event.library,
        "registration": registration, "manage_url": _manage_url(registration),
    })


@require_http_methods(["GET", "HEAD", "POST"])
def manage_delete(request, public_id, token):
    """Erase the participant's data (UU 27/2022), after a confirmation step."""
    registration = _registration(public_id, token)
    event = registration.event
    if request.method == "POST":
        services.delete_my_data(registration)
        return render(request, "events/public/deleted.html", {"event": event, "library": event.library})
    return render(request, "events/public/manage_delete.html", {
        "event": event, "library": event.library, "registration": registration,
        "manage_url": _manage_url(registration),
    })


@require_POST
def manage_export(request, public_id, token):
    """Everything Sapa keeps about this registration, as a JSON download."""
    registration = _registration(public_id, token)
    data = services.export_my_data(registration)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="data-{registration.public_id}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def manage_ics(request, public_id, token):
    registration = _registration(public_id, token)
    if not registration.is_active:
        raise Http404
    response = HttpResponse(services.registration_calendar(registration, "confirmed"),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{registration.event.slug}.ics"'
    response["Cache-Control"] = "no-store"
    return response


# --- Feeds ---------------------------------------------------------------------------------


@require_GET
def library_ics(request, library_slug):
    library = get_object_or_404(Library, slug=library_slug)
    response = HttpResponse(library_feed(library), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{library.slug}.ics"'
    return response
