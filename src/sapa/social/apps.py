from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "sapa.social"
    label = "social"
    verbose_name = _("Social media")

    staff_nav = ((20, _("Social media"), "social-calendar", "staff"),)
