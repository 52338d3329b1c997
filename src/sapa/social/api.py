"""Social media endpoints: channels (read), posts (create, read, update, review, schedule), the calendar.

As in the staff pages, a library the token's owner is not a member of (and
any channel or post outside it) answers 404, and the roles are the workflow's
(sapa.social.workflow): staff write drafts and schedule, editors approve, and
only approved variants can be scheduled. Scheduling runs the networks' checks
(sapa.social.validation); a refusal answers 422 with each problem in the
error body's `details`. Credentials of a channel never leave the server.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field as NinjaField
from ninja import Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticValidationError

from sapa.api.errors import ApiError, error_response
from sapa.api.types import Day, Id, Moment, Text
from sapa.libraries.models import Membership, Role
from sapa.social import services, workflow
from sapa.social.models import Channel, MediaItem, Post, PostVariant, VariantState
from sapa.social.validation import Problem, errors, limits_for, validate_variant

router = Router(tags=["social media"])

MAX_CALENDAR_DAYS = 366
MAX_PAGE_SIZE = 200


# --- Schemas ---------------------------------------------------------------------------------


class ChannelOut(Schema):
    id: int
    network: str
    network_label: str
    name: str
    handle: str
    account_id: str
    server_url: str
    manual: bool = NinjaField(description="true when Sapa reminds the staff instead of publishing")
    status: str = NinjaField(description="ok or needs_reconnect")
    status_message: str
    active: bool
    time_slots: list


class ProblemOut(Schema):
    code: str
    field: str
    message: str
    severity: str
    params: dict


class VariantOut(Schema):
    id: int
    post: int
    post_title: str
    channel: int
    network: str
    text: str
    link: str
    first_comment: str
    media: list[int]
    scheduled_at: datetime | None
    state: str
    external_url: str
    error_message: str
    published_at: datetime | None
    problems: list[ProblemOut] = NinjaField(description="the network's checks (errors block scheduling)")


class PostOut(Schema):
    id: int
    title: str
    note: str
    status: str
    campaign: int | None
    event: int | None
    review_comment: str
    approved_by: str
    approved_at: datetime | None
    created_at: datetime
    updated_at: datetime
    variants: list[VariantOut]


class PostPage(Schema):
    count: int
    page: int
    pages: int
    results: list[PostOut]


class VariantIn(Schema):
    channel: Id = NinjaField(description="a channel id of the library; one variant per channel")
    text: Text = ""
    link: Text = ""
    first_comment: Text = ""
    media: list[Id] = NinjaField(default_factory=list, description="media item ids, in order")
    scheduled_at: Moment | None = None


class PostIn(Schema):
    title: Text = NinjaField(min_length=1, max_length=200)
    note: Text = ""
    campaign: Id | None = None
    variants: list[VariantIn] = NinjaField(default_factory=list)


class VariantPatch(Schema):
    channel: Id = NinjaField(description="which variant (by its channel); a new channel adds a variant")
    text: Text | None = None
    link: Text | None = None
    first_comment: Text | None = None
    media: list[Id] | None = None
    scheduled_at: Moment | None = None


class PostPatch(Schema):
    title: Text | None = NinjaField(None, min_length=1, max_length=200)
    note: Text | None = None
    variants: list[VariantPatch] = NinjaField(default_factory=list)


class ScheduleIn(Schema):
    scheduled_at: Moment | None = NinjaField(
        None, description="one time for every approved variant; empty: each variant's own time")


class ReviewIn(Schema):
    comment: Text = ""


class ErrorBody(Schema):
    error: dict


class CalendarFilters(Schema):
    start: Day = NinjaField(description="first day (the library's time zone)")
    end: Day = NinjaField(description="last day, included")
    channel: Id | None = NinjaField(None, description="a channel id")
    status: str = NinjaField("", description="a variant state, or several separated by commas")


# --- Helpers ---------------------------------------------------------------------------------


def _membership(request, slug: str) -> Membership:
    return get_object_or_404(Membership.objects.select_related("library"), user=request.auth, library__slug=slug)


def _channel_out(channel: Channel) -> ChannelOut:
    return ChannelOut(id=channel.pk, network=channel.network, network_label=str(channel.get_network_display()),
                      name=channel.name, handle=channel.handle, account_id=channel.account_id,
                      server_url=channel.server_url, manual=channel.is_manual, status=channel.status,
                      status_message=channel.status_message, active=channel.is_active,
                      time_slots=channel.time_slots or [])


def _variant_out(variant: PostVariant) -> VariantOut:
    # The checks without asking the network (a Mastodon server's cached limits are used).
    problems = validate_variant(variant, for_schedule=False, limits=limits_for(variant.channel, refresh=False))
    return VariantOut(
        id=variant.pk, post=variant.post_id, post_title=variant.post.title, channel=variant.channel_id,
        network=variant.channel.network, text=variant.text, link=variant.link,
        first_comment=variant.first_comment, media=[m.pk for m in variant.ordered_media()],
        scheduled_at=variant.scheduled_at, state=variant.state, external_url=variant.external_url,
        error_message=variant.error_message, published_at=variant.published_at,
        problems=[ProblemOut(**p.as_dict()) for p in problems])


def _post_out(post: Post) -> PostOut:
    variants = post.variants.select_related("channel", "post").order_by("id")
    return PostOut(id=post.pk, title=post.title, note=post.note, status=post.status, campaign=post.campaign_id,
                   event=post.event_id, review_comment=post.review_comment,
                   approved_by=post.approved_by_label, approved_at=post.approved_at, created_at=post.created_at,
                   updated_at=post.updated_at, variants=[_variant_out(v) for v in variants])


def _post(request, slug: str, post_id: Id) -> tuple[Membership, Post]:
    membership = _membership(request, slug)
    post = get_object_or_404(Post.objects.select_related("library"), pk=post_id, library=membership.library)
    return membership, post


def _optional_body(request, schema: type[Schema]):
    """The JSON body as `schema`; an empty body is an empty object (for steps that need no input)."""
    if not request.body.strip():
        return schema()
    if request.content_type != "application/json":
        try:
            if not request.POST:
                return schema()
        except MultiPartParserError:  # e.g. multipart without a boundary: not the JSON this step reads
            raise ApiError(400, "bad_request", _("The body is not valid JSON.")) from None
    try:
        data = json.loads(request.body)
    except ValueError:
        raise ApiError(400, "bad_request", _("The body is not valid JSON.")) from None
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        raise NinjaValidationError(json.loads(exc.json(include_url=False))) from None


def _optional_body_doc(schema: type[Schema]) -> dict:
    return {"requestBody": {"required": False,
                            "content": {"application/json": {"schema": schema.model_json_schema()}}}}


def _invalid(request, message: str, details: list[dict]):
    return error_response(request, 422, "invalid", message, details=details)


def _forbidden(exc: PermissionDenied) -> ApiError:
    return ApiError(403, "forbidden", str(exc) or _("Your role does not allow this."))


def _check_variants(library, items) -> tuple[dict, list[dict]]:
    """Channels and media of the variants in a request: ({channel id: (channel, media)}, problems)."""
    problems, resolved, seen = [], {}, set()
    channels = {c.pk: c for c in Channel.objects.filter(library=library, pk__in=[i.channel for i in items])}
    media_ids = {m for i in items for m in (i.media or [])}
    media = {m.pk: m for m in MediaItem.objects.filter(library=library, pk__in=media_ids)}
    for n, item in enumerate(items):
        where = ["body", "variants", n]
        channel = channels.get(item.channel)
        if channel is None:
            problems.append({"code": "unknown_channel", "field": "channel", "loc": [*where, "channel"],
                             "message": _("There is no channel %(id)s in this library.") % {"id": item.channel}})
            continue
        if item.channel in seen:
            problems.append({"code": "duplicate_channel", "field": "channel", "loc": [*where, "channel"],
                             "message": _("The channel %(channel)s is given twice: a post has one variant per "
                                          "channel.") % {"channel": channel.name}})
        seen.add(item.channel)
        missing = [m for m in (item.media or []) if m not in media]
        if missing:
            problems.append({"code": "unknown_media", "field": "media", "loc": [*where, "media"],
                             "message": _("There is no media item %(ids)s in this library.") % {
                                 "ids": ", ".join(str(m) for m in missing)}})
        if item.link:
            try:
                URLValidator(schemes=["http", "https"])(item.link)
            except DjangoValidationError:
                problems.append({"code": "invalid_link", "field": "link", "loc": [*where, "link"],
                                 "message": _("The link must be a full address starting with https://.")})
        resolved[item.channel] = (channel, [media[m] for m in (item.media or []) if m in media])
    return resolved, problems


# --- Channels --------------------------------------------------------------------------------


@router.get("/libraries/{slug}/social/channels", response=list[ChannelOut],
            summary="The library's social media channels (never their credentials)")
def list_channels(request, slug: str):
    membership = _membership(request, slug)
    return [_channel_out(c) for c in Channel.objects.filter(library=membership.library).order_by("network", "name")]


@router.get("/libraries/{slug}/social/channels/{channel_id}", response=ChannelOut, summary="One channel")
def get_channel(request, slug: str, channel_id: Id):
    membership = _membership(request, slug)
    return _channel_out(get_object_or_404(Channel, pk=channel_id, library=membership.library))


# --- Posts -----------------------------------------------------------------------------------


@router.get("/libraries/{slug}/social/posts", response=PostPage, summary="The library's posts, newest first")
def list_posts(request, slug: str, status: str = "", page: int = 1, page_size: int = 50):
    membership = _membership(request, slug)
    posts = Post.objects.filter(library=membership.library).order_by("-created_at", "-id")
    if status:
        if status not in VariantState.values:
            raise ApiError(400, "bad_request", _("Unknown status: use one of %(states)s.") % {
                "states": ", ".join(VariantState.values)})
        posts = posts.filter(status=status)
    paginator = Paginator(posts, min(max(page_size, 1), MAX_PAGE_SIZE))
    current = paginator.get_page(page)
    return PostPage(count=paginator.count, page=current.number, pages=paginator.num_pages,
                    results=[_post_out(p) for p in current])


@router.post("/libraries/{slug}/social/posts", response={201: PostOut, 403: ErrorBody, 422: ErrorBody},
             summary="Write a post (a draft) with a variant per channel")
def create_post(request, slug: str, payload: PostIn):
    membership = _membership(request, slug)
    library = membership.library
    resolved, problems = _check_variants(library, payload.variants)
    campaign = None
    if payload.campaign is not None:
        campaign = library.social_campaigns.filter(pk=payload.campaign).first()
        if campaign is None:
            problems.append({"code": "unknown_campaign", "field": "campaign", "loc": ["body", "campaign"],
                             "message": _("There is no campaign %(id)s in this library.") % {"id": payload.campaign}})
    if problems:
        return _invalid(request, _("The post was not created."), problems)
    try:
        with transaction.atomic():
            post = services.create_post(library, by=request.auth, title=payload.title, note=payload.note,
                                        campaign=campaign, request=request)
            for item in payload.variants:
                channel, media = resolved[item.channel]
                services.add_variant(post, channel, by=request.auth, text=item.text, link=item.link,
                                     first_comment=item.first_comment, media=media,
                                     scheduled_at=item.scheduled_at, request=request)
    except PermissionDenied as exc:
        raise _forbidden(exc) from None
    post.refresh_from_db()
    return Status(201, _post_out(post))


@router.get("/libraries/{slug}/social/posts/{post_id}", response=PostOut, summary="One post with its variants")
def get_post(request, slug: str, post_id: Id):
    _membership_, post = _post(request, slug, post_id)
    return _post_out(post)


@router.patch("/libraries/{slug}/social/posts/{post_id}",
              response={200: PostOut, 403: ErrorBody, 409: ErrorBody, 422: ErrorBody},
              summary="Change a draft: its title, note, and its variants' text, link, media and time",
              description="Variants are named by their channel; a channel without a variant gets one. "
                          "Only draft variants can be changed here (409 otherwise): a post in review or "
                          "approved goes back to draft from the staff pages.")
def update_post(request, slug: str, post_id: Id, payload: PostPatch):
    _membership_, post = _post(request, slug, post_id)
    library = post.library
    resolved, problems = _check_variants(library, payload.variants)
    if problems:
        return _invalid(request, _("The post was not changed."), problems)
    existing = {v.channel_id: v for v in post.variants.select_related("channel", "post")}
    for item in payload.variants:
        variant = existing.get(item.channel)
        if variant is not None and variant.state != VariantState.DRAFT:
            raise ApiError(409, "conflict", _("The %(channel)s variant is %(state)s: only drafts can be changed.") % {
                "channel": variant.channel.name, "state": variant.get_state_display()})
    try:
        with transaction.atomic():
            fields = {k: v for k, v in (("title", payload.title), ("note", payload.note)) if v is not None}
            if fields:
                services.update_post(post, by=request.auth, request=request, **fields)
            for item in payload.variants:
                channel, media = resolved[item.channel]
                variant = existing.get(item.channel)
                if variant is None:
                    services.add_variant(post, channel, by=request.auth, text=item.text or "",
                                         link=item.link or "", first_comment=item.first_comment or "",
                                         media=media, scheduled_at=item.scheduled_at, request=request)
                    continue
                changes = {k: getattr(item, k) for k in ("text", "link", "first_comment", "scheduled_at")
                           if getattr(item, k) is not None}
                services.update_variant(variant, by=request.auth, request=request,
                                        media=media if item.media is not None else None, **changes)
    except PermissionDenied as exc:
        raise _forbidden(exc) from None
    except workflow.InvalidTransition:
        raise ApiError(409, "conflict", _("The post changed meanwhile; load it again.")) from None
    post.refresh_from_db()
    return _post_out(post)


@router.post("/libraries/{slug}/social/posts/{post_id}/submit", response={200: PostOut, 403: ErrorBody,
                                                                        409: ErrorBody},
             summary="Send a post's drafts to the editors for review")
def submit_post(request, slug: str, post_id: Id):
    _membership_, post = _post(request, slug, post_id)
    try:
        workflow.submit_for_review(post, by=request.auth, request=request)
    except PermissionDenied as exc:
        raise _forbidden(exc) from None
    except workflow.InvalidTransition:
        raise ApiError(409, "conflict", _("The post has no draft to send for review.")) from None
    post.refresh_from_db()
    return _post_out(post)


@router.post("/libraries/{slug}/social/posts/{post_id}/approve", response={200: PostOut, 403: ErrorBody,
                                                                         409: ErrorBody},
             summary="Approve a post (editors and admins)", openapi_extra=_optional_body_doc(ReviewIn))
def approve_post(request, slug: str, post_id: Id):
    membership, post = _post(request, slug, post_id)
    payload = _optional_body(request, ReviewIn)
    if not membership.has_role(Role.EDITOR):
        raise ApiError(403, "forbidden", _("Approving a post needs the editor or admin role."))
    try:
        workflow.approve(post, by=request.auth, comment=payload.comment, request=request)
    except PermissionDenied as exc:
        raise _forbidden(exc) from None
    except workflow.InvalidTransition:
        raise ApiError(409, "conflict", _("The post has nothing to approve.")) from None
    post.refresh_from_db()
    return _post_out(post)


@router.post("/libraries/{slug}/social/posts/{post_id}/schedule",
             response={200: PostOut, 403: ErrorBody, 409: ErrorBody, 422: ErrorBody},
             summary="Schedule a post's approved variants",
             description="Each network's checks run first; if any variant fails them nothing is scheduled "
                         "and the answer is 422 with each problem (its `code`, `field`, `message` and the "
                         "`channel`) in `error.details`. Only approved variants can be scheduled (409).",
             openapi_extra=_optional_body_doc(ScheduleIn))
def schedule_post(request, slug: str, post_id: Id):
    _membership_, post = _post(request, slug, post_id)
    payload = _optional_body(request, ScheduleIn)
    at = payload.scheduled_at
    try:
        workflow.require_role(request.auth, post.library, Role.STAFF)
    except PermissionDenied as exc:
        raise _forbidden(exc) from None
    variants = list(post.variants.select_related("channel", "post").filter(state=VariantState.APPROVED))
    if not variants:
        raise ApiError(409, "conflict", _("Only an approved post can be scheduled: an editor approves it first."))
    problems: list[Problem] = []
    for variant in variants:
        if at is not None:
            variant.scheduled_at = at
        for problem in errors(validate_variant(variant, for_schedule=True)):
            problems.append(Problem(problem.code, problem.field, f"{variant.channel.name}: {problem.message}",
                                    problem.severity, {**problem.params, "channel": variant.channel_id}))
    if problems:
        return _invalid(request, _("The post does not pass the networks' checks; nothing was scheduled."),
                        [{**p.as_dict(), "channel": p.params["channel"]} for p in problems])
    try:
        with transaction.atomic():
            for variant in variants:
                workflow.schedule(variant, by=request.auth, at=at, request=request)
    except workflow.SchedulingRefused as exc:  # the time passed between the check and now
        return _invalid(request, _("The post does not pass the networks' checks; nothing was scheduled."),
                        [p.as_dict() for p in exc.problems])
    except workflow.InvalidTransition:
        raise ApiError(409, "conflict", _("The post changed meanwhile; load it again.")) from None
    post.refresh_from_db()
    return _post_out(post)


# --- Calendar --------------------------------------------------------------------------------


@router.get("/libraries/{slug}/social/calendar", response=list[VariantOut],
            summary="The variants planned or published between two days",
            description="`start` and `end` are days in the library's time zone (both included, at most "
                        "366 days apart). A variant counts on the day of its scheduled time (or, without "
                        "one, of its publication).")
def calendar(request, slug: str, filters: Query[CalendarFilters]):
    membership = _membership(request, slug)
    library = membership.library
    if filters.end < filters.start:
        raise ApiError(400, "bad_request", _("The end day comes before the start day."))
    if (filters.end - filters.start).days >= MAX_CALENDAR_DAYS:
        raise ApiError(400, "bad_request", _("Ask for at most %(days)s days at once.") % {"days": MAX_CALENDAR_DAYS})
    tz = ZoneInfo(library.time_zone)
    start = datetime.combine(filters.start, time.min, tzinfo=tz)
    end = datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=tz)
    variants = PostVariant.objects.filter(post__library=library).filter(
        Q(scheduled_at__gte=start, scheduled_at__lt=end)
        | Q(scheduled_at__isnull=True, published_at__gte=start, published_at__lt=end))
    if filters.channel is not None:
        variants = variants.filter(channel_id=filters.channel)
    if filters.status:
        states = [s.strip() for s in filters.status.split(",") if s.strip()]
        unknown = [s for s in states if s not in VariantState.values]
        if unknown:
            raise ApiError(400, "bad_request", _("Unknown status: use one of %(states)s.") % {
                "states": ", ".join(VariantState.values)})
        variants = variants.filter(state__in=states)
    variants = variants.select_related("channel", "post").order_by("scheduled_at", "published_at", "id")
    return [_variant_out(v) for v in variants]
