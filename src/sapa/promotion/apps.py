from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionConfig(AppConfig):
    name = "sapa.promotion"
    label = "promotion"
    verbose_name = _("Promotion and attribution")

    staff_nav = ((20, _("Promotion"), "promotion-home", "staff"),)

    def registration_channel(self, request, event) -> str:
        """The hook asked by sapa.events.public.registration_channel: first-touch attribution."""
        from sapa.promotion.attribution import channel_for  # inside: apps not ready at import

        return channel_for(request, event)
