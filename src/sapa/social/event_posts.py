"""Posts about an event, made from what sapa.promotion gives: its flyer, its suggested text and
its tracked short links (one per channel, so clicks and registrations count for that network).

Social depends on promotion, never the other way round: promotion's event page shows the
attach button and the post made (the `promotion_event_section` hook in SocialConfig).
"""

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.promotion import flyers, links
from sapa.promotion.models import Channel as PromotionChannel
from sapa.promotion.services import (
    POST_SIZES,
    event_post_text,
    flyer_alt_text,
    flyer_jpeg,
    library_language,
)
from sapa.social import services, workflow
from sapa.social.media import add_media
from sapa.social.models import Channel, MediaItem, Post


def flyer_of_post(post):
    """The flyer a post was made from (attach_flyer_to_new_post), or None."""
    if post.event_id is None:
        return None
    return (MediaItem.objects.filter(library_id=post.library_id, original_name__startswith=f"flyer-{post.event.slug}-",
                                     created_at__lte=post.created_at)
            .order_by("-created_at", "-id").first())


def channel_version_content(post, channel, source=None) -> dict | None:
    """What a channel version added later to an event's post starts with: the text and the image
    of the versions before it (or, for a post made from a flyer before any channel existed, the
    suggested text and the flyer), the registration link being the channel's own short link so
    its clicks count for that network. None for a post about no event, or without promotion."""
    if post.event_id is None or not apps.is_installed("sapa.promotion"):
        return None
    event = post.event
    link = services.registration_link(event, channel)
    if source is not None and source.text.strip():
        text = source.text.replace(source.link, link) if source.link else source.text
        media = source.ordered_media()
    else:
        with translation.override(library_language(post.library)):
            text = event_post_text(event, link)
        flyer = flyer_of_post(post)
        media = [flyer] if flyer is not None else []
    return {"text": text, "link": link, "media": media}


def attach_flyer_to_new_post(event, layout: str, size: str, *, by, request=None):
    """A draft social post about `event` with its flyer (`layout`, `size`) as the image.

    The flyer PNG becomes a MediaItem of the library's media library (alt text in
    the library's language). The post gets a variant for each active channel of
    the library, each with its own tracked short link; a library without channels
    gets a post without variants, its suggested text kept in the post's note (a
    post holds media only through its variants). Editors and admins only.
    """
    library = event.library
    workflow.require_role(by, library, Role.EDITOR)
    if layout not in flyers.LAYOUTS or size not in POST_SIZES:
        raise ValueError("unknown layout or size")
    language = library_language(library)
    content, _ext = flyers.flyer_file(event, layout, size, language=language)
    content, ext = flyer_jpeg(content), "jpg"
    channels = list(Channel.objects.filter(library=library, is_active=True).order_by("network", "name"))
    with translation.override(language), transaction.atomic():
        media = add_media(library, ContentFile(content, name=f"flyer-{event.slug}-{layout}-{size}.{ext}"),
                          alt_text=flyer_alt_text(event), uploaded_by=by)
        size_label = flyers.size_labels()[size]
        note = _("Made from the flyer “%(layout)s”, %(size)s (media item %(media)s).") % {
            "layout": flyers.layout_labels()[layout], "size": size_label, "media": media.pk}
        if not channels:
            general = links.event_link(event, PromotionChannel.OTHER, user=by)
            note = "\n\n".join([note, _("No social channels yet; suggested text:"),
                                event_post_text(event, general.url)])
        post = services.create_post(library, by=by, title=event.title[:200], note=note, event=event,
                                    request=request)
        for channel in channels:
            variant = services.add_variant(post, channel, by=by, media=[media], request=request)
            link = links.object_link(event, services.promotion_channel(channel.network),
                                     f"{channel.name} · #{post.pk}", variant, user=by)
            services.update_variant(variant, by=by, text=event_post_text(event, link.url), link=link.url,
                                    request=request)
        audit.record("promotion.flyer_attached", library=library, actor=by, obj=post, request=request,
                     event=event.pk, media=media.pk, layout=layout, size=size, variants=len(channels))
    return post, media


def attached_post_section(request, event) -> str:
    """On promotion's event page: the post named by ?post= (just made from a flyer), if it is this event's."""
    post_id = request.GET.get("post", "")
    if not post_id.isdigit():
        return ""
    post = (Post.objects.filter(pk=int(post_id), library=request.library, event=event)
            .prefetch_related("variants__channel").first())
    if post is None:
        return ""
    return render_to_string("social/staff/_flyer_attached.html", {"attached": post}, request=request)
