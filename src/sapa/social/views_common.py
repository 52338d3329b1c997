"""What the staff pages of social media share: who may do what, and how they fetch.

The pages are split by what they show: views_calendar (the calendar and moving a
variant in it), views_posts (posts, a variant's steps, the flyer button),
views_channels (channels) and views_library (the media library, the manual
to-dos, hashtag sets and post templates).

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

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from sapa.libraries.models import Role
from sapa.social.models import Channel, PostVariant


def local_tz(request) -> ZoneInfo:
    return ZoneInfo(request.library.time_zone)


def get_variant(request, variant_id) -> PostVariant:
    return get_object_or_404(PostVariant.objects.select_related("post__library", "channel__library"),
                             pk=variant_id, post__library=request.library)


def get_channel(request, channel_id) -> Channel:
    return get_object_or_404(Channel.objects.select_related("library"), pk=channel_id, library=request.library)


def is_editor(request) -> bool:
    return request.membership.has_role(Role.EDITOR)


def next_or(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def post_url(request, post) -> str:
    return reverse("social-post", kwargs={"slug": request.library.slug, "post_id": post.pk})


def combine(request, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=local_tz(request))
