"""The public check-in: /e/<slug>/hadir/ (code and email) and the personal link's
check-in (code only). No JavaScript; every successful POST redirects.

Failed attempts (a wrong code, an unknown email) are counted per address; past
the limit (SAPA_CHECKIN_RATE) the page answers 429 until the window passes, so a
code cannot be guessed by trying.
"""

import hmac

from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sapa.attendance import services
from sapa.attendance.forms import CheckInForm
from sapa.core import timefmt
from sapa.core.net import client_ip
from sapa.events.models import Registration
from sapa.events.public import public_event

DONE_SALT = "sapa.attendance.checked-in"
DONE_MAX_AGE = 60 * 60


def _too_many() -> str:
    return _("Too many wrong attempts from your network. Wait a few minutes and try again.")


def _context(event, form, **extra):
    return {"event": event, "library": event.library, "form": form,
            "window": services.open_window(event), **extra}


@require_http_methods(["GET", "HEAD", "POST"])
def checkin(request, slug):
    """Check in with the code shown in the session and the registration's email."""
    event = public_event(slug)
    done = None
    token = request.GET.get("ok")
    if token:
        try:
            data = signing.loads(token, salt=DONE_SALT, max_age=DONE_MAX_AGE)
            registration = Registration.objects.get(event=event, public_id=data["r"])
            done = {"name": registration.name, "at": services.checked_in_at(registration, data.get("m", "start")),
                    "already": bool(data.get("a"))}
        except (signing.BadSignature, KeyError, TypeError, ValueError, Registration.DoesNotExist):
            done = None
    if request.method != "POST":
        return render(request, "attendance/public/checkin.html", _context(event, CheckInForm(), done=done))
    form = CheckInForm(request.POST)
    ip = client_ip(request)
    if services.checkin_blocked(ip):
        return render(request, "attendance/public/checkin.html",
                      _context(event, form, error=_too_many()), status=429)
    if not form.is_valid():
        return render(request, "attendance/public/checkin.html",
                      _context(event, form, error=_("Please correct the marked fields.")), status=400)
    try:
        result = services.check_in(event, form.cleaned_data["code"], email=form.cleaned_data["email"])
    except services.CheckInRefused as refused:
        if refused.counts:
            services.checkin_failed(ip)
        return render(request, "attendance/public/checkin.html",
                      _context(event, form, error=refused.message), status=400)
    window = services.open_window(event)
    token = signing.dumps({"r": str(result.registration.public_id), "a": result.already,
                           "m": window.moment if window else "start"}, salt=DONE_SALT)
    return redirect(reverse("attendance-checkin", args=[event.slug]) + "?ok=" + token)


def _registration(public_id, token) -> Registration:
    registration = (Registration.objects.select_related("event__library")
                    .filter(public_id=public_id).first())
    if registration is None or registration.anonymized_at or not hmac.compare_digest(
        registration.manage_token.encode(), str(token).encode()
    ):
        raise Http404
    return registration


@require_POST
def checkin_personal(request, public_id, token):
    """Check in from the personal page: the link proves who it is; only the code is asked."""
    registration = _registration(public_id, token)
    manage = reverse("registration-manage", args=[registration.public_id, registration.manage_token])
    ip = client_ip(request)
    if services.checkin_blocked(ip):
        messages.error(request, _too_many())
        return redirect(manage + "#presensi")
    try:
        result = services.check_in(registration.event, request.POST.get("code", ""), registration=registration)
    except services.CheckInRefused as refused:
        if refused.counts:
            services.checkin_failed(ip)
        messages.error(request, refused.message)
    else:
        at = timefmt.format_time(result.checked_in_at, registration.event.time_zone)
        messages.success(request, _("You were already checked in at %(time)s.") % {"time": at} if result.already
                         else _("Thank you! You are checked in at %(time)s.") % {"time": at})
    return redirect(manage + "#presensi")
