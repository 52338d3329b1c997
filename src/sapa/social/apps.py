from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "sapa.social"
    label = "social"
    verbose_name = _("Social media")

    staff_nav = ((20, _("Social media"), "social-calendar", "staff"),)

    def promotion_event_section(self, request, event):
        """On promotion's event page: the post just made from one of the event's flyers (?post=)."""
        # inside: apps.py loads before the models
        from sapa.social.event_posts import attached_post_section

        return attached_post_section(request, event)
