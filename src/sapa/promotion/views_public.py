"""Public promotion pages: the short-link redirect /s/<code> and the link-in-bio page."""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from sapa.events.public import upcoming_public_events
from sapa.libraries.models import Library
from sapa.promotion import attribution, clicks, links
from sapa.promotion.models import Channel, PinnedLink, ProfileLink


@require_http_methods(["GET", "HEAD"])
def short_link(request, code):
    """302 to the link's target: one cached lookup, one cheap counter write, no session."""
    resolved = links.resolve(links.normalize_code(code))
    if resolved is None:
        raise Http404
    link_id, target, event_id, channel = resolved
    bot = clicks.is_bot(request)
    clicks.record(request, link_id, bot=bot)
    response = HttpResponseRedirect(target)
    response["Cache-Control"] = "no-store"
    if event_id is not None and not bot:
        attribution.remember(request, response, event_id, channel)
    return response


@require_http_methods(["GET", "HEAD"])
def link_in_bio(request, library_slug):
    """The one link of an Instagram bio: upcoming events, pinned links, the library's profiles."""
    library = get_object_or_404(Library, slug=library_slug)
    events = list(upcoming_public_events(library)[:12])
    event_links = links.event_links(events, Channel.INSTAGRAM, links.BIO_LABEL) if events else {}
    pinned = list(PinnedLink.objects.filter(library=library).select_related("short_link"))
    profiles = list(ProfileLink.objects.filter(library=library).select_related("short_link"))
    for item in pinned + profiles:
        if item.short_link_id is None:
            item.short_link = links.url_link(library, item.url, Channel.INSTAGRAM, links.BIO_LABEL, obj=item)
            type(item).objects.filter(pk=item.pk).update(short_link=item.short_link)
    return render(request, "promotion/link_in_bio.html", {
        "library": library,
        "events": [(event, event_links[event.pk]) for event in events],
        "pinned": pinned,
        "profiles": profiles,
    })
