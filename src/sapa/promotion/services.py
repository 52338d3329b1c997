"""Promotion actions that reach into other apps: a flyer attached to a new social post."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sapa.core import timefmt
from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.promotion import flyers, links
from sapa.promotion.models import Channel

# The flyer sizes that are images (A4 is a PDF for print, not for a post).
POST_SIZES = tuple(size for size in flyers.SIZES if size != "a4")


def promotion_channel(network: str) -> str:
    """The promotion channel (for attribution) of a social network."""
    from sapa.social.models import Network

    return {
        Network.FACEBOOK_PAGE: Channel.FACEBOOK, Network.INSTAGRAM: Channel.INSTAGRAM,
        Network.TELEGRAM: Channel.TELEGRAM, Network.X: Channel.X, Network.WHATSAPP: Channel.WHATSAPP,
    }.get(network, Channel.OTHER)


def library_language(library) -> str:
    """The language a library writes to its public in (the site's language for now)."""
    return settings.LANGUAGE_CODE


def flyer_alt_text(event) -> str:
    """The flyer's alt text: title, date, and where the registration link is."""
    return _("Flyer: %(title)s, %(when)s. The registration link is in the QR code.") % {
        "title": event.title, "when": timefmt.format_range(event.starts_at, event.ends_at, event.time_zone)}


def event_post_text(event, link_url: str) -> str:
    """A post's text from the event: its title, its date and time, and the registration link."""
    when = timefmt.format_range(event.starts_at, event.ends_at, event.time_zone)
    return "\n\n".join([event.title, when, _("Register: %(url)s") % {"url": link_url}])


def flyer_jpeg(content: bytes) -> bytes:
    """The flyer as a JPEG: every network takes it, and Instagram takes nothing else."""
    import io

    from PIL import Image

    out = io.BytesIO()
    with Image.open(io.BytesIO(content)) as image:
        image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()


def flyer_of_post(post):
    """The flyer a post was made from (attach_flyer_to_new_post), or None."""
    from sapa.social.models import MediaItem

    if post.event_id is None:
        return None
    return (MediaItem.objects.filter(library_id=post.library_id, original_name__startswith=f"flyer-{post.event.slug}-",
                                     created_at__lte=post.created_at)
            .order_by("-created_at", "-id").first())


def channel_version_content(post, channel, source=None) -> dict | None:
    """What a channel version added later to an event's post starts with: the text and the image
    of the versions before it (or, for a post made from a flyer before any channel existed, the
    suggested text and the flyer), the registration link being the channel's own short link so
    its clicks count for that network. None for a post about no event."""
    from sapa.social.services import registration_link

    if post.event_id is None:
        return None
    event = post.event
    link = registration_link(event, channel)
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
    from sapa.social import services as social
    from sapa.social import workflow
    from sapa.social.media import add_media
    from sapa.social.models import Channel as SocialChannel

    library = event.library
    workflow.require_role(by, library, Role.EDITOR)
    if layout not in flyers.LAYOUTS or size not in POST_SIZES:
        raise ValueError("unknown layout or size")
    language = library_language(library)
    content, _ext = flyers.flyer_file(event, layout, size, language=language)
    content, ext = flyer_jpeg(content), "jpg"
    channels = list(SocialChannel.objects.filter(library=library, is_active=True).order_by("network", "name"))
    with translation.override(language), transaction.atomic():
        media = add_media(library, ContentFile(content, name=f"flyer-{event.slug}-{layout}-{size}.{ext}"),
                          alt_text=flyer_alt_text(event), uploaded_by=by)
        size_label = flyers.size_labels()[size]
        note = _("Made from the flyer “%(layout)s”, %(size)s (media item %(media)s).") % {
            "layout": flyers.layout_labels()[layout], "size": size_label, "media": media.pk}
        if not channels:
            general = links.event_link(event, Channel.OTHER, user=by)
            note = "\n\n".join([note, _("No social channels yet; suggested text:"),
                                event_post_text(event, general.url)])
        post = social.create_post(library, by=by, title=event.title[:200], note=note, event=event,
                                  request=request)
        for channel in channels:
            variant = social.add_variant(post, channel, by=by, media=[media], request=request)
            link = links.object_link(event, promotion_channel(channel.network), f"{channel.name} · #{post.pk}",
                                     variant, user=by)
            social.update_variant(variant, by=by, text=event_post_text(event, link.url), link=link.url,
                                  request=request)
        audit.record("promotion.flyer_attached", library=library, actor=by, obj=post, request=request,
                     event=event.pk, media=media.pk, layout=layout, size=size, variants=len(channels))
    return post, media
