"""Staff pages of social media: the calendar, posts and their variants, channels, the media
library and the manual to-dos.

Who may do what (members below the role get 404, as everywhere in the staff area):

- staff: write posts, send them for review, schedule approved variants, move them
  in the calendar, upload media, post by hand on manual channels.
- editor and admin: also approve posts or ask for changes, and add or change
  channels (their credentials, time slots) and test their connection.

Every object is fetched through request.library: another library's post, variant,
channel or media item answers 404. The rules themselves are in
sapa.social.services and sapa.social.workflow; these views only call them.
"""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, datetime, time, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from sapa.core.inputs import day_in_range
from sapa.core.uploads import content_disposition_inline
from sapa.events.tenancy import event_view
from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view
from sapa.promotion import flyers
from sapa.promotion.services import POST_SIZES
from sapa.social import event_posts, services, workflow
from sapa.social.forms import (
    WEEKDAYS,
    CalendarFilterForm,
    ChannelForm,
    HashtagSetForm,
    MediaUploadForm,
    MoveForm,
    PostForm,
    PostTemplateForm,
    PublishedForm,
    ScheduleForm,
    TimeSlotsForm,
    VariantForm,
)
from sapa.social.media import MediaError, add_media
from sapa.social.models import (
    Campaign,
    Channel,
    HashtagSet,
    ManualTask,
    MediaItem,
    MediaKind,
    Network,
    Post,
    PostTemplate,
    PostVariant,
    VariantState,
)
from sapa.social.validation import (
    LIMITS,
    check_publishing_quota,
    validate_variant,
)

S = VariantState

ACTION_LABELS = {
    "created": gettext_lazy("created the post"),
    "edited": gettext_lazy("edited the post"),
    "variant_added": gettext_lazy("added a channel"),
    "variant_edited": gettext_lazy("edited a variant"),
    "submitted_for_review": gettext_lazy("sent it for review"),
    "approved": gettext_lazy("approved it"),
    "changes_requested": gettext_lazy("asked for changes"),
    "scheduled": gettext_lazy("scheduled it"),
    "rescheduled": gettext_lazy("moved it to another time"),
    "unscheduled": gettext_lazy("took it off the calendar"),
    "retried": gettext_lazy("tried again"),
    "retry_scheduled": gettext_lazy("will try again (the network did not answer)"),
    "published": gettext_lazy("published it"),
    "failed": gettext_lazy("publishing failed"),
    "needs_check": gettext_lazy("stopped mid-publish: check by hand"),
    "manual_reminder": gettext_lazy("reminded the staff to post by hand"),
    "deferred_quota": gettext_lazy("waits: the network's daily publishing limit is used up"),
    "waiting_for_reconnect": gettext_lazy("waits for the channel to be reconnected"),
    "marked_published": gettext_lazy("marked it published"),
}

FIELD_LABELS = {
    "text": gettext_lazy("text"), "link": gettext_lazy("link"), "first_comment": gettext_lazy("first comment"),
    "media": gettext_lazy("media"), "scheduled_at": gettext_lazy("time"), "title": gettext_lazy("title"),
    "note": gettext_lazy("note"), "campaign": gettext_lazy("campaign"), "event": gettext_lazy("event"),
}


# --- Helpers -------------------------------------------------------------------------------------

def _tz(request) -> ZoneInfo:
    return ZoneInfo(request.library.time_zone)


def _post(request, post_id) -> Post:
    return get_object_or_404(Post.objects.select_related("library", "campaign"), pk=post_id,
                             library=request.library)


def _variant(request, variant_id) -> PostVariant:
    return get_object_or_404(PostVariant.objects.select_related("post__library", "channel__library"),
                             pk=variant_id, post__library=request.library)


def _channel(request, channel_id) -> Channel:
    return get_object_or_404(Channel.objects.select_related("library"), pk=channel_id, library=request.library)


def _is_editor(request) -> bool:
    return request.membership.has_role(Role.EDITOR)


def _require_editor(request) -> None:
    if not _is_editor(request):
        raise Http404


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _post_url(request, post) -> str:
    return reverse("social-post", kwargs={"slug": request.library.slug, "post_id": post.pk})


def _combine(request, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=_tz(request))


def _problems_text(problems) -> list[str]:
    return [p.message for p in problems]


# --- Calendar ------------------------------------------------------------------------------------

VIEWS = ("month", "week", "list")


def _anchor(request) -> date:
    try:
        day = date.fromisoformat(request.GET.get("date") or request.POST.get("anchor") or "")
    except ValueError:
        day = None
    if day is None or not day_in_range(day):  # the calendar's first and last weeks stay within the years
        return timezone.now().astimezone(_tz(request)).date()
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
    tz = _tz(request)
    days: dict[date, list[PostVariant]] = {}
    for v in variants:
        v.local_at = v.scheduled_at.astimezone(tz)
        v.time_label = v.local_at.strftime("%H:%M")
        v.date_value = v.local_at.date().isoformat()
        v.movable = v.state in workflow.MOVABLE
        days.setdefault(v.local_at.date(), []).append(v)
    return days


def _cell(request, day: date, items, month: int | None) -> dict:
    today = timezone.now().astimezone(_tz(request)).date()
    return {"date": day, "items": items, "other_month": month is not None and day.month != month,
            "today": day == today, "past": day < today}


def _day_items(request, day: date, filters: dict) -> list[PostVariant]:
    tz = _tz(request)
    start = datetime.combine(day, time(0), tzinfo=tz)
    qs = _variants(request, filters).filter(scheduled_at__gte=start, scheduled_at__lt=start + timedelta(days=1))
    return _by_day(request, qs.order_by("scheduled_at", "id")).get(day, [])


@library_view(Role.STAFF)
def calendar(request):
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "month"
    anchor = _anchor(request)
    first, last = _range(view, anchor)
    form, filters = _filters(request, request.GET or None)
    tz = _tz(request)
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
        "filter_query": query.urlencode(), "undated": undated, "can_approve": _is_editor(request),
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
    variant = _variant(request, variant_id)
    tz = _tz(request)
    old_day = variant.scheduled_at.astimezone(tz).date() if variant.scheduled_at else None
    form = MoveForm(request.POST)
    error, new_day = "", None
    if form.is_valid():
        new_day = form.cleaned_data["date"]
        at = form.cleaned_data["time"] or (variant.scheduled_at.astimezone(tz).time() if variant.scheduled_at
                                           else time(9, 0))
        try:
            services.move_variant(variant, by=request.user, at=_combine(request, new_day, at), request=request)
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
            "can_approve": _is_editor(request), "next_url": request.headers.get("HX-Current-URL", ""),
        })
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Moved."))
    return redirect(_next_or(request, _post_url(request, variant.post)))


# --- Posts ---------------------------------------------------------------------------------------

def _insert_snippet(form: PostForm) -> str:
    """The base text with the chosen template and hashtag set added (the "Insert" button)."""
    text = form.cleaned_data.get("text") or ""
    template = form.cleaned_data.get("template")
    hashtags = form.cleaned_data.get("hashtag_set")
    if template:
        rendered = services.render_template(template)
        text = f"{text.rstrip()}\n\n{rendered}".strip() if text.strip() else rendered
    if hashtags and hashtags.as_text() not in text:
        text = f"{text.rstrip()}\n\n{hashtags.as_text()}".strip()
    return text


@library_view(Role.STAFF)
def post_create(request):
    library = request.library
    data = request.POST if request.method == "POST" else None
    initial = {}
    if request.GET.get("channel"):
        initial["channels"] = [request.GET["channel"]]
    form = PostForm(data, library=library, initial=initial)
    if data is not None and "insert" in data:
        # Add the template / hashtags to the text and show the form again, nothing saved.
        form.is_valid()
        if "text" in form.cleaned_data:
            values = data.copy()
            values["text"] = _insert_snippet(form)
            values["template"] = ""
            values["hashtag_set"] = ""
            form = PostForm(values, library=library)
            form.errors.clear()
        return render(request, "social/staff/post_form.html", {"form": form})
    if data is not None and form.is_valid():
        cd = form.cleaned_data
        with transaction.atomic():
            campaign = cd["campaign"]
            if cd["new_campaign"].strip():
                campaign, _created = Campaign.objects.get_or_create(library=library,
                                                                    name=cd["new_campaign"].strip())
            post = services.create_post(library, by=request.user, title=cd["title"], note=cd["note"],
                                        campaign=campaign, request=request)
            text = _insert_snippet(form)
            for channel in cd["channels"]:
                comment = cd["first_comment"] if LIMITS[channel.network].first_comment else ""
                services.add_variant(post, channel, by=request.user, text=text, link=cd["link"],
                                     first_comment=comment, media=list(cd["media"]), request=request)
        messages.success(request, _("Post created. Adjust each channel's text below, then send it for review."))
        return redirect(_post_url(request, post))
    return render(request, "social/staff/post_form.html", {"form": form})


def _history(post: Post, channels: dict) -> list[dict]:
    rows = []
    for rev in post.revisions.select_related("variant__channel")[:100]:
        fields = [str(FIELD_LABELS.get(k, k)) for k in (rev.changes or {})]
        rows.append({
            "at": rev.created_at, "who": rev.actor_label,
            "what": ACTION_LABELS.get(rev.action, rev.action),
            "channel": rev.variant.channel.name if rev.variant_id and rev.variant else "",
            "fields": ", ".join(fields), "comment": rev.comment,
        })
    return rows


def _post_context(request, post: Post, *, forms: dict | None = None, refused: dict | None = None,
                  post_problems: list | None = None) -> dict:
    forms = forms or {}
    refused = refused or {}
    tz = _tz(request)
    variants = list(post.variants.select_related("channel").order_by("channel__network", "channel__name"))
    states = set()
    for v in variants:
        states.add(v.state)
        v.problems = validate_variant(v, for_schedule=v.state in (S.APPROVED, S.SCHEDULED))
        v.refused = refused.get(v.pk, [])
        v.editable = v.state in workflow.EDITABLE
        v.has_comment = LIMITS[v.channel.network].first_comment
        v.local_at = v.scheduled_at.astimezone(tz) if v.scheduled_at else None
        v.movable = v.state in workflow.MOVABLE
        v.form = forms.get(v.pk) or VariantForm(library=request.library, with_comment=v.has_comment, initial={
            "text": v.text, "link": v.link, "first_comment": v.first_comment,
            "media": [m.pk for m in v.ordered_media()],
            "date": v.local_at.date() if v.local_at else None,
            "time": v.local_at.time().replace(second=0, microsecond=0) if v.local_at else None,
        }, prefix=f"v{v.pk}")
        v.can_next_slot = v.state in (S.DRAFT, S.APPROVED) and bool(v.channel.time_slots)
        v.can_fit = v.editable and any(p.code in services.FIT_CODES for p in v.problems) \
            and bool(services.unfit_images(v))
    used = {v.channel_id for v in variants}
    review_link = ""
    # Editors only: it is for them and for reviewers outside the library; a member
    # below editor could otherwise approve their own post through it, logged out.
    if post.review_nonce and post.status == S.IN_REVIEW and _is_editor(request):
        review_link = workflow.review_url(post)
    return {
        "post": post, "variants": variants, "history": _history(post, {}),
        "can_approve": _is_editor(request),
        "can_submit": S.DRAFT in states, "can_review": bool(states & {S.IN_REVIEW, S.DRAFT}),
        "can_request_changes": S.IN_REVIEW in states,
        "can_schedule_all": S.APPROVED in states,
        "review_link": review_link, "post_problems": post_problems or [],
        "other_channels": Channel.objects.filter(library=request.library, is_active=True).exclude(pk__in=used),
        "tz_name": request.library.time_zone,
    }


@library_view(Role.STAFF)
def post_detail(request, post_id):
    post = _post(request, post_id)
    return render(request, "social/staff/post.html", _post_context(request, post))


@require_POST
@library_view(Role.STAFF)
def post_action(request, post_id, action):
    post = _post(request, post_id)
    comment = request.POST.get("comment", "").strip()
    try:
        if action == "submit":
            workflow.submit_for_review(post, by=request.user, request=request)
            if _is_editor(request):
                messages.success(request, _("Sent for review. Editors can approve it; you can also copy the "
                                            "review link for someone without an account."))
            else:
                messages.success(request, _("Sent for review. An editor approves it, or sends the review "
                                            "link to someone outside the library."))
        elif action == "approve":
            _require_editor(request)
            workflow.approve(post, by=request.user, comment=comment, request=request)
            messages.success(request, _("Approved. Schedule it when its time is set."))
        elif action == "changes":
            _require_editor(request)
            if not comment:
                messages.error(request, _("Say what should change."))
            else:
                workflow.request_changes(post, by=request.user, comment=comment, request=request)
                messages.success(request, _("Sent back to the author with your comment."))
        elif action == "schedule":
            try:
                variants = workflow.schedule_post(post, by=request.user, request=request)
            except workflow.SchedulingRefused as exc:
                post.refresh_from_db()
                return render(request, "social/staff/post.html",
                              _post_context(request, post, post_problems=_problems_text(exc.problems)),
                              status=400)
            messages.success(request, _("Scheduled on %(n)s channels.") % {"n": len(variants)}
                             if len(variants) != 1 else _("Scheduled."))
        elif action == "add-channel":
            channel = _channel(request, request.POST.get("channel"))
            source = post.variants.order_by("id").first()
            content = {"text": source.text, "link": source.link, "media": source.ordered_media()} if source \
                else {"text": "", "link": "", "media": []}
            # An event's post: its text and flyer, with this channel's own short link.
            content = event_posts.channel_version_content(post, channel, source) or content
            services.add_variant(post, channel, by=request.user, request=request, **content)
            messages.success(request, _("Channel added."))
        else:
            raise Http404
    except workflow.InvalidTransition:
        messages.error(request, _("That step does not fit the post's state any more. Reload and try again."))
    return redirect(_next_or(request, _post_url(request, post)))


# --- A variant's steps: one view each, the rule in the service it calls ---------------------------

def variant_step(view):
    """A step on one variant from the post page: POST only, staff, a variant of request.library.

    The view gets the variant; a step that no longer fits the variant's state says so and goes back.
    """

    @require_POST
    @library_view(Role.STAFF)
    @wraps(view)
    def wrapper(request, variant_id):
        variant = _variant(request, variant_id)
        try:
            return view(request, variant)
        except workflow.InvalidTransition:
            messages.error(request, _("That step does not fit the post's state any more. Reload and try "
                                      "again."))
        return _back(request, variant)

    return wrapper


def _back(request, variant: PostVariant):
    return redirect(_next_or(request, _post_url(request, variant.post)))


def _refused(request, variant: PostVariant, exc: workflow.SchedulingRefused):
    """The post page again (400) with the checks that refused the variant."""
    post = variant.post
    post.refresh_from_db()
    return render(request, "social/staff/post.html",
                  _post_context(request, post, refused={variant.pk: _problems_text(exc.problems)}), status=400)


def _when(request, moment: datetime) -> str:
    return date_format(moment.astimezone(_tz(request)), "l, j F Y, H:i")


@variant_step
def variant_edit(request, variant):
    form = VariantForm(request.POST, library=request.library, prefix=f"v{variant.pk}",
                       with_comment=LIMITS[variant.channel.network].first_comment)
    if not form.is_valid():
        return render(request, "social/staff/post.html",
                      _post_context(request, variant.post, forms={variant.pk: form}), status=400)
    cd = form.cleaned_data
    at = _combine(request, cd["date"], cd["time"]) if cd["date"] and cd["time"] else None
    services.edit_variant(variant, by=request.user, text=cd["text"], link=cd["link"],
                          first_comment=cd.get("first_comment", ""), media=list(cd["media"]), at=at,
                          request=request)
    messages.success(request, _("Saved."))
    return _back(request, variant)


@variant_step
def variant_schedule(request, variant):
    form = ScheduleForm(request.POST)
    at = None
    if form.is_valid() and form.cleaned_data["date"] and form.cleaned_data["time"]:
        at = _combine(request, form.cleaned_data["date"], form.cleaned_data["time"])
    try:
        workflow.schedule(variant, by=request.user, at=at, request=request)
    except workflow.SchedulingRefused as exc:
        return _refused(request, variant, exc)
    messages.success(request, _("Scheduled for %(when)s.") % {"when": _when(request, variant.scheduled_at)})
    for problem in check_publishing_quota(variant):
        messages.warning(request, problem.message)
    return _back(request, variant)


@variant_step
def variant_unschedule(request, variant):
    workflow.unschedule(variant, by=request.user, request=request)
    messages.success(request, _("Taken off the calendar; it stays approved."))
    return _back(request, variant)


@variant_step
def variant_retry(request, variant):
    try:
        workflow.retry(variant, by=request.user, request=request)
    except workflow.SchedulingRefused as exc:
        return _refused(request, variant, exc)
    messages.success(request, _("It will be published again."))
    return _back(request, variant)


@variant_step
def variant_published(request, variant):
    form = PublishedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the post's full address, starting with https://."))
        return _back(request, variant)
    try:
        workflow.mark_published_manually(variant, by=request.user, url=form.cleaned_data["url"], request=request)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Marked as published."))
    return _back(request, variant)


@variant_step
def variant_next_slot(request, variant):
    try:
        slot = services.plan_next_free_slot(variant, by=request.user, request=request)
    except workflow.SchedulingRefused as exc:
        return _refused(request, variant, exc)
    if slot is None:
        messages.error(request, _("The channel %(channel)s has no free posting time in the next two "
                                  "months. Add time slots on the channel's page.")
                       % {"channel": variant.channel.name})
    elif variant.state == S.SCHEDULED:
        messages.success(request, _("Scheduled for %(when)s.") % {"when": _when(request, slot)})
    else:
        messages.success(request, _("Planned for %(when)s.") % {"when": _when(request, slot)})
    return _back(request, variant)


@variant_step
def variant_fit(request, variant):
    network = Network(variant.channel.network).label
    try:
        count = services.fit_images(variant, by=request.user, request=request)
    except (MediaError, OSError) as exc:
        messages.error(request, _("The image could not be fitted: %(reason)s") % {"reason": exc})
        return _back(request, variant)
    if not count:
        messages.info(request, _("The images already fit %(network)s.") % {"network": network})
    else:
        messages.success(request, ngettext(
            "%(count)s image was cropped or resized for %(network)s and swapped in; the original stays in "
            "the media library.",
            "%(count)s images were cropped or resized for %(network)s and swapped in; the originals stay in "
            "the media library.", count) % {"count": count, "network": network})
    return _back(request, variant)


@event_view(Role.EDITOR)
@require_POST
def flyer_post(request, event, layout, size):
    """Attach one flyer to a new draft post (the button on promotion's event page), then show it there."""
    if layout not in flyers.LAYOUTS or size not in POST_SIZES:
        raise Http404
    post, _media = event_posts.attach_flyer_to_new_post(event, layout, size, by=request.user, request=request)
    url = reverse("promotion-event", kwargs={"slug": request.library.slug, "event_id": event.pk})
    return redirect(f"{url}?post={post.pk}#attached")


# --- Channels ------------------------------------------------------------------------------------

@library_view(Role.STAFF)
def channel_list(request):
    channels = list(Channel.objects.filter(library=request.library))
    for channel in channels:
        channel.slot_rows = [
            {"day": WEEKDAYS[int(e["weekday"])], "times": ", ".join(e.get("times", []))}
            for e in sorted(channel.time_slots or [], key=lambda e: int(e.get("weekday", 0)))
            if str(e.get("weekday", "")).isdigit() and 0 <= int(e["weekday"]) < 7
        ]
    return render(request, "social/staff/channels.html", {"channels": channels, "can_edit": _is_editor(request)})


@library_view(Role.EDITOR)
def channel_create(request):
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        fields = {k: cd[k] for k in ("account_id", "handle", "server_url", "manual", "is_active")}
        channel = services.create_channel(request.library, network=cd["network"], name=cd["name"], by=request.user,
                                          credentials=form.new_credentials(), **fields)
        messages.success(request, _("Channel added. Test the connection, then set its posting times."))
        return redirect("social-channel-edit", slug=request.library.slug, channel_id=channel.pk)
    return render(request, "social/staff/channel_form.html", {"form": form, "channel": None})


@library_view(Role.EDITOR)
def channel_edit(request, channel_id):
    channel = _channel(request, channel_id)
    form = ChannelForm(None, instance=channel)
    slots = TimeSlotsForm(None, channel=channel)
    if request.method == "POST" and "slots" in request.POST:
        slots = TimeSlotsForm(request.POST, channel=channel)
        if slots.is_valid():
            channel.time_slots = slots.cleaned_data["time_slots"]
            channel.save(update_fields=["time_slots", "updated_at"])
            audit.record("social.channel_slots_changed", library=request.library, obj=channel, request=request)
            messages.success(request, _("Posting times saved."))
            return redirect("social-channel-edit", slug=request.library.slug, channel_id=channel.pk)
    elif request.method == "POST":
        form = ChannelForm(request.POST, instance=channel)
        if form.is_valid():
            credentials = form.new_credentials()
            with transaction.atomic():
                channel = form.save()
                audit.record("social.channel_changed", library=request.library, obj=channel, request=request,
                             fields=sorted(form.changed_data))
                if credentials is not None:
                    services.reconnect_channel(channel, by=request.user, credentials=credentials)
            messages.success(request, _("Channel saved."))
            return redirect("social-channels", slug=request.library.slug)
    return render(request, "social/staff/channel_form.html", {"form": form, "channel": channel, "slots": slots})


@require_POST
@library_view(Role.EDITOR)
def channel_test(request, channel_id):
    channel = _channel(request, channel_id)
    ok, message = services.test_connection(channel, by=request.user)
    if ok:
        messages.success(request, _("Connected: %(account)s") % {"account": message})
    else:
        messages.error(request, _("The connection failed: %(reason)s") % {"reason": message})
    return redirect(_next_or(request, reverse("social-channels", kwargs={"slug": request.library.slug})))


# --- Media ---------------------------------------------------------------------------------------

@library_view(Role.STAFF)
def media_library(request):
    form = MediaUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = add_media(request.library, form.cleaned_data["file"],
                             alt_text=form.cleaned_data["alt_text"].strip(), uploaded_by=request.user)
        except MediaError as exc:
            form.add_error("file", str(exc))
        else:
            audit.record("social.media_added", library=request.library, obj=item, request=request)
            messages.success(request, _("Added to the media library."))
            return redirect("social-media", slug=request.library.slug)
    items = Paginator(MediaItem.objects.filter(library=request.library), 40).get_page(request.GET.get("page"))
    return render(request, "social/staff/media.html", {"form": form, "page": items},
                  status=400 if form.errors else 200)


@library_view(Role.STAFF)
def media_file(request, media_id):
    """A media item's file, to the library's staff only (to look at, or to download for a manual post)."""
    item = get_object_or_404(MediaItem, pk=media_id, library=request.library)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    inline = content_disposition_inline(item.mime_type)
    response = FileResponse(handle, as_attachment="download" in request.GET or not inline,
                            filename=item.original_name or None,
                            content_type=item.mime_type if inline else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Manual to-dos -------------------------------------------------------------------------------

@library_view(Role.STAFF)
def todos(request):
    tasks = ManualTask.objects.filter(library=request.library).select_related(
        "variant__channel", "variant__post", "assigned_to")
    open_tasks = list(tasks.filter(done_at__isnull=True).order_by("due_at"))
    for task in open_tasks:
        task.media = task.variant.ordered_media()
    done = tasks.filter(done_at__gte=timezone.now() - timedelta(days=14)).order_by("-done_at")[:20]
    # Posts that did not go out (refused, or "check by hand"): a to-do until someone retries or settles them.
    stuck = PostVariant.objects.filter(post__library=request.library, state__in=[S.FAILED, S.NEEDS_CHECK]) \
        .select_related("channel", "post").order_by("-updated_at")[:50]
    return render(request, "social/staff/todos.html", {"open_tasks": open_tasks, "done_tasks": done,
                                                        "stuck": stuck, "video": MediaKind.VIDEO})


# --- Hashtag sets and post templates (editors and admins) --------------------------------------

# kind -> (model, form, list URL name, edit URL name, delete URL name, audit prefix, labels)
_LIBRARY_OBJECTS = {
    "hashtags": {
        "model": HashtagSet, "form": HashtagSetForm, "list": "social-hashtags", "edit": "social-hashtag-edit",
        "create": "social-hashtag-create", "delete": "social-hashtag-delete", "audit": "social.hashtag_set",
        "title": gettext_lazy("Hashtag sets"), "new": gettext_lazy("New hashtag set"),
        "empty": gettext_lazy("No hashtag set yet."), "saved": gettext_lazy("Hashtag set saved."),
        "deleted": gettext_lazy("Hashtag set deleted."),
        "confirm": gettext_lazy("Delete the hashtag set “%(name)s”?"),
    },
    "templates": {
        "model": PostTemplate, "form": PostTemplateForm, "list": "social-templates",
        "edit": "social-template-edit", "create": "social-template-create", "delete": "social-template-delete",
        "audit": "social.post_template",
        "title": gettext_lazy("Post templates"), "new": gettext_lazy("New post template"),
        "empty": gettext_lazy("No post template yet."), "saved": gettext_lazy("Post template saved."),
        "deleted": gettext_lazy("Post template deleted."),
        "confirm": gettext_lazy("Delete the post template “%(name)s”?"),
    },
}


def _object_form(request, kind, data=None, instance=None):
    cfg = _LIBRARY_OBJECTS[kind]
    kwargs = {"library": request.library} if cfg["form"] is PostTemplateForm else {}
    return cfg["form"](data, instance=instance, **kwargs)


def _object_list(request, kind):
    cfg = _LIBRARY_OBJECTS[kind]
    rows = list(cfg["model"].objects.filter(library=request.library))
    for row in rows:
        row.edit_url = reverse(cfg["edit"], kwargs={"slug": request.library.slug, "object_id": row.pk})
        row.delete_url = reverse(cfg["delete"], kwargs={"slug": request.library.slug, "object_id": row.pk})
        row.summary = row.as_text() if kind == "hashtags" else row.text
    return render(request, "social/staff/objects.html", {
        "cfg": cfg, "kind": kind, "rows": rows,
        "create_url": reverse(cfg["create"], kwargs={"slug": request.library.slug})})


def _object_edit(request, kind, object_id=None):
    cfg = _LIBRARY_OBJECTS[kind]
    obj = (get_object_or_404(cfg["model"], pk=object_id, library=request.library)
           if object_id is not None else None)
    form = _object_form(request, kind, request.POST if request.method == "POST" else None, obj)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            item = form.save(commit=False)
            item.library = request.library
            item.save()
            audit.record(cfg["audit"] + ("_changed" if obj else "_created"), library=request.library,
                         obj=item, request=request, fields=sorted(form.changed_data))
        messages.success(request, str(cfg["saved"]))
        return redirect(cfg["list"], slug=request.library.slug)
    return render(request, "social/staff/object_form.html", {
        "cfg": cfg, "kind": kind, "form": form, "object": obj,
        "list_url": reverse(cfg["list"], kwargs={"slug": request.library.slug})},
        status=400 if form.errors else 200)


def _object_delete(request, kind, object_id):
    """GET: a page asking to confirm (works without JavaScript); POST: delete, audited."""
    cfg = _LIBRARY_OBJECTS[kind]
    obj = get_object_or_404(cfg["model"], pk=object_id, library=request.library)
    if request.method != "POST":
        used_by = list(obj.templates.filter(library=request.library)) if kind == "hashtags" else []
        return render(request, "social/staff/object_delete.html", {
            "cfg": cfg, "kind": kind, "object": obj, "used_by": used_by,
            "question": cfg["confirm"] % {"name": obj.name},
            "summary": obj.as_text() if kind == "hashtags" else obj.text,
            "list_url": reverse(cfg["list"], kwargs={"slug": request.library.slug})})
    with transaction.atomic():
        audit.record(cfg["audit"] + "_deleted", library=request.library, obj=obj, request=request, name=obj.name)
        obj.delete()
    messages.success(request, str(cfg["deleted"]))
    return redirect(cfg["list"], slug=request.library.slug)


@library_view(Role.EDITOR)
def hashtag_list(request):
    return _object_list(request, "hashtags")


@library_view(Role.EDITOR)
def hashtag_create(request):
    return _object_edit(request, "hashtags")


@library_view(Role.EDITOR)
def hashtag_edit(request, object_id):
    return _object_edit(request, "hashtags", object_id)


@require_http_methods(["GET", "POST"])
@library_view(Role.EDITOR)
def hashtag_delete(request, object_id):
    return _object_delete(request, "hashtags", object_id)


@library_view(Role.EDITOR)
def template_list(request):
    return _object_list(request, "templates")


@library_view(Role.EDITOR)
def template_create(request):
    return _object_edit(request, "templates")


@library_view(Role.EDITOR)
def template_edit(request, object_id):
    return _object_edit(request, "templates", object_id)


@require_http_methods(["GET", "POST"])
@library_view(Role.EDITOR)
def template_delete(request, object_id):
    return _object_delete(request, "templates", object_id)
