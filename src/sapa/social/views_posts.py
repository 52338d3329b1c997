"""Staff pages of social media: posts and their variants, a variant's steps, and the
flyer button on promotion's event page.

Who may do what, and how objects are fetched: see views_common.
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from sapa.events.tenancy import event_view
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view
from sapa.promotion import flyers
from sapa.promotion.services import POST_SIZES
from sapa.social import event_posts, services, workflow
from sapa.social.forms import PostForm, PublishedForm, ScheduleForm, VariantForm
from sapa.social.media import MediaError
from sapa.social.models import Campaign, Channel, Network, Post, PostVariant, VariantState
from sapa.social.validation import LIMITS, check_publishing_quota, validate_variant
from sapa.social.views_common import (
    combine,
    get_channel,
    get_variant,
    is_editor,
    local_tz,
    next_or,
    post_url,
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


def _post(request, post_id) -> Post:
    return get_object_or_404(Post.objects.select_related("library", "campaign"), pk=post_id,
                             library=request.library)


def _require_editor(request) -> None:
    if not is_editor(request):
        raise Http404


def _problems_text(problems) -> list[str]:
    return [p.message for p in problems]


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
        return redirect(post_url(request, post))
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
    tz = local_tz(request)
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
    if post.review_nonce and post.status == S.IN_REVIEW and is_editor(request):
        review_link = workflow.review_url(post)
    return {
        "post": post, "variants": variants, "history": _history(post, {}),
        "can_approve": is_editor(request),
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
            if is_editor(request):
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
            channel = get_channel(request, request.POST.get("channel"))
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
    return redirect(next_or(request, post_url(request, post)))


# --- A variant's steps: one view each, the rule in the service it calls ---------------------------

def variant_step(view):
    """A step on one variant from the post page: POST only, staff, a variant of request.library.

    The view gets the variant; a step that no longer fits the variant's state says so and goes back.
    """

    @require_POST
    @library_view(Role.STAFF)
    @wraps(view)
    def wrapper(request, variant_id):
        variant = get_variant(request, variant_id)
        try:
            return view(request, variant)
        except workflow.InvalidTransition:
            messages.error(request, _("That step does not fit the post's state any more. Reload and try "
                                      "again."))
        return _back(request, variant)

    return wrapper


def _back(request, variant: PostVariant):
    return redirect(next_or(request, post_url(request, variant.post)))


def _refused(request, variant: PostVariant, exc: workflow.SchedulingRefused):
    """The post page again (400) with the checks that refused the variant."""
    post = variant.post
    post.refresh_from_db()
    return render(request, "social/staff/post.html",
                  _post_context(request, post, refused={variant.pk: _problems_text(exc.problems)}), status=400)


def _when(request, moment: datetime) -> str:
    return date_format(moment.astimezone(local_tz(request)), "l, j F Y, H:i")


@variant_step
def variant_edit(request, variant):
    form = VariantForm(request.POST, library=request.library, prefix=f"v{variant.pk}",
                       with_comment=LIMITS[variant.channel.network].first_comment)
    if not form.is_valid():
        return render(request, "social/staff/post.html",
                      _post_context(request, variant.post, forms={variant.pk: form}), status=400)
    cd = form.cleaned_data
    at = combine(request, cd["date"], cd["time"]) if cd["date"] and cd["time"] else None
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
        at = combine(request, form.cleaned_data["date"], form.cleaned_data["time"])
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
