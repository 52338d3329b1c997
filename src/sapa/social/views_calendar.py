"""Staff pages of social media: the calendar (month, week, list) and moving a variant in it.

Who may do what, and how objects are fetched: see views_common.
"""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sapa.core.inputs import day_in_range
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view
from sapa.social import services, workflow
from sapa.social.forms import CalendarFilterForm, MoveForm
from sapa.social.models import PostVariant, VariantState
from sapa.social.views_common import combine, get_variant, is_editor, local_tz, next_or, post_url

S = VariantState


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


VIEWS = ("month", "week", "list")


def _anchor(request) -> date:
    try:
        day = date.fromisoformat(request.GET.get("date") or request.POST.get("anchor") or "")
    except ValueError:
        day = None
    if day is None or not day_in_range(day):  # the calendar's first and last weeks stay within the years
        return timezone.now().astimezone(local_tz(request)).date()
    return day


def _range(view: str, anchor: date) -> tuple[date, date]:
    """[first, last) days the view shows."""
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=7)
    if view == "list":
        return anchor, anchor + timedelta(days=31)
    first = anchor.replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    return first - timedelta(days=first.weekday()), last + timedelta(days=7 - last.weekday())


def _variants(request, filters: dict):
    qs = PostVariant.objects.filter(post__library=request.library).select_related("channel", "post",
                                                                                  "post__campaign")
    if filters.get("channel"):
        qs = qs.filter(channel=filters["channel"])
    if filters.get("status"):
        qs = qs.filter(state=filters["status"])
    if filters.get("campaign"):
        qs = qs.filter(post__campaign=filters["campaign"])
    return qs


def _filters(request, data) -> tuple[CalendarFilterForm, dict]:
    form = CalendarFilterForm(data, library=request.library)
    return form, (form.cleaned_data if form.is_valid() else {})


def _by_day(request, variants) -> dict[date, list[PostVariant]]:
    tz = local_tz(request)
    days: dict[date, list[PostVariant]] = {}
    for v in variants:
        v.local_at = v.scheduled_at.astimezone(tz)
        v.time_label = v.local_at.strftime("%H:%M")
        v.date_value = v.local_at.date().isoformat()
        v.movable = v.state in workflow.MOVABLE
        days.setdefault(v.local_at.date(), []).append(v)
    return days


def _cell(request, day: date, items, month: int | None) -> dict:
    today = timezone.now().astimezone(local_tz(request)).date()
    return {"date": day, "items": items, "other_month": month is not None and day.month != month,
            "today": day == today, "past": day < today}


def _day_items(request, day: date, filters: dict) -> list[PostVariant]:
    tz = local_tz(request)
    start = datetime.combine(day, time(0), tzinfo=tz)
    qs = _variants(request, filters).filter(scheduled_at__gte=start, scheduled_at__lt=start + timedelta(days=1))
    return _by_day(request, qs.order_by("scheduled_at", "id")).get(day, [])


@library_view(Role.STAFF)
def calendar(request):
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "month"
    anchor = _anchor(request)
    first, last = _range(view, anchor)
    form, filters = _filters(request, request.GET or None)
    tz = local_tz(request)
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last, time(0), tzinfo=tz)
    variants = _variants(request, filters).filter(scheduled_at__gte=start, scheduled_at__lt=end) \
        .order_by("scheduled_at", "id")
    days = _by_day(request, variants)
    month = anchor.month if view == "month" else None
    cells = [_cell(request, first + timedelta(days=n), days.get(first + timedelta(days=n), []), month)
             for n in range((last - first).days)]
    if view == "month":
        prev_anchor = (anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
        next_anchor = last.replace(day=1) if last.day <= 7 and last.month != anchor.month else \
            (anchor.replace(day=28) + timedelta(days=5)).replace(day=1)
        title = date_format(anchor, "F Y")
    elif view == "week":
        prev_anchor, next_anchor = first - timedelta(days=7), first + timedelta(days=7)
        title = _("%(start)s – %(end)s") % {"start": date_format(first, "j M"),
                                            "end": date_format(last - timedelta(days=1), "j M Y")}
    else:
        prev_anchor, next_anchor = first - timedelta(days=31), last
        title = _("%(start)s – %(end)s") % {"start": date_format(first, "j M"),
                                            "end": date_format(last - timedelta(days=1), "j M Y")}
    undated = _variants(request, filters).filter(scheduled_at__isnull=True).exclude(state=S.PUBLISHED) \
        .order_by("-post__created_at")[:50]
    query = request.GET.copy()
    for key in ("view", "date"):
        query.pop(key, None)
    return render(request, "social/staff/calendar.html", {
        "view": view, "anchor": anchor, "cells": cells, "form": form, "title": title,
        "weekdays": [date_format(first + timedelta(days=n), "D") for n in range(7)] if view != "list" else [],
        "prev": prev_anchor.isoformat(), "next": next_anchor.isoformat(),
        "today": timezone.now().astimezone(tz).date().isoformat(),
        "filter_query": query.urlencode(), "undated": undated, "can_approve": is_editor(request),
        "list_days": [c for c in cells if c["items"]] if view == "list" else [],
        "month": month, "next_url": request.get_full_path(),
    })


@require_POST
@library_view(Role.STAFF)
def variant_move(request, variant_id):
    """Move a variant to another day (keeping its time of day) or to a day and time.

    htmx (the calendar's drag and drop): answers the new day's cell, the old
    day's cell out of band and a status line. Otherwise (the plain form):
    back to where the form was, with a message.
    """
    variant = get_variant(request, variant_id)
    tz = local_tz(request)
    old_day = variant.scheduled_at.astimezone(tz).date() if variant.scheduled_at else None
    form = MoveForm(request.POST)
    error, new_day = "", None
    if form.is_valid():
        new_day = form.cleaned_data["date"]
        at = form.cleaned_data["time"] or (variant.scheduled_at.astimezone(tz).time() if variant.scheduled_at
                                           else time(9, 0))
        try:
            services.move_variant(variant, by=request.user, at=combine(request, new_day, at), request=request)
        except workflow.MoveRefused as exc:
            error = str(exc)
    else:
        error = _("Choose a date.")
    if _is_htmx(request):
        filters = _filters(request, request.POST)[1]
        month = None
        try:
            month = int(request.POST.get("month") or 0) or None
        except ValueError:
            pass
        cells = []
        for day in dict.fromkeys(d for d in (new_day, old_day) if d):
            cells.append(_cell(request, day, _day_items(request, day, filters), month))
        return render(request, "social/staff/_moved.html", {
            "cells": cells, "main": cells[0] if cells else None, "error": error,
            "done": "" if error else _("Moved to %(when)s.") % {
                "when": date_format(variant.scheduled_at.astimezone(tz), "l, j F Y, H:i")},
            "can_approve": is_editor(request), "next_url": request.headers.get("HX-Current-URL", ""),
        })
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Moved."))
    return redirect(next_or(request, post_url(request, variant.post)))
