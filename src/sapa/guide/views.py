"""The guide: /bantuan/ (staff guide, every section) and /<library>/bantuan/ (participants).

Public and read-only: the guide holds no data of any library or participant.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import get_language

from sapa.guide import content
from sapa.libraries.models import Library


def guide_index(request):
    language = get_language()
    return render(request, "guide/index.html", {"sections": content.sections(language)})


def guide_section(request, section):
    language = get_language()
    found = content.section(section, language)
    if found is None or found.slug == content.PARTICIPANT_SLUG:
        raise Http404
    all_sections = content.sections(language)
    position = all_sections.index(found)
    return render(
        request,
        "guide/section.html",
        {
            "section": found,
            "body": content.render(found.source),
            "sections": all_sections,
            "previous": all_sections[position - 1] if position > 0 else None,
            "next": all_sections[position + 1] if position + 1 < len(all_sections) else None,
        },
    )


def participant_help(request, library_slug):
    library = get_object_or_404(Library, slug=library_slug)
    found = content.section(content.PARTICIPANT_SLUG, get_language())
    return render(
        request,
        "guide/participant.html",
        {
            "library": library,
            "section": found,
            "body": content.render(
                found.source,
                (
                    ("{library_url}", reverse("library-public", args=[library.slug])),
                    ("{library}", escape(library.name)),
                ),
            ),
        },
    )
