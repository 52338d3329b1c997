from django.urls import reverse
from django.utils.translation import gettext as _

from sapa.guide.content import section_for


def guide(request):
    """The staff shell's "Help" link: the guide's section for the current page."""
    match = getattr(request, "resolver_match", None)
    if match is None or not request.path.startswith("/staff/"):
        return {}
    slug = section_for(match.url_name)
    url = reverse("guide-section", args=[slug]) if slug else reverse("guide")
    return {"guide_link": {"url": url, "label": _("Help")}}
