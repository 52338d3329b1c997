from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionConfig(AppConfig):
    name = "sapa.promotion"
    label = "promotion"
    verbose_name = _("Promotion and attribution")

    staff_nav = ((20, _("Promotion"), "promotion-home", "staff"),)
