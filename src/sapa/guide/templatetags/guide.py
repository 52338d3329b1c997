from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def participant_help_url(library):
    """The absolute address of a library's help page for participants (for emails)."""
    return settings.BASE_URL + reverse("guide-participant", args=[library.slug])


@register.inclusion_tag("guide/_participant_link.html")
def participant_help_link(library):
    """The link to the participants' help page, for public pages."""
    return {"url": reverse("guide-participant", args=[library.slug])}


@register.simple_tag
def participant_help_line(library):
    """One plain-text line for emails: where participants find help."""
    return _("Help (registration, personal link, check-in, certificate, your data): %(url)s") % {
        "url": participant_help_url(library)
    }
