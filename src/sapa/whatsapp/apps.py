from django.apps import AppConfig
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _


class WhatsAppConfig(AppConfig):
    name = "sapa.whatsapp"
    label = "whatsapp"
    verbose_name = "WhatsApp"

    # Hooks read by other apps (see docs/decisions.md, "App hooks").
    staff_nav = ((75, _("WhatsApp"), "whatsapp-settings", "admin"),)
    event_nav = ((35, _("WhatsApp"), "whatsapp-event", "staff"),)

    def ready(self):
        # inside: apps not ready at import
        from sapa.events.notices import notice, whatsapp_optin
        from sapa.whatsapp import services

        notice.connect(services.on_notice, dispatch_uid="sapa.whatsapp.on_notice")
        whatsapp_optin.connect(services.on_optin, dispatch_uid="sapa.whatsapp.on_optin")
        # inside: apps not ready at import
        from sapa.events.erasure import registration_erased

        registration_erased.connect(services.erase_registration, dispatch_uid="whatsapp-erase-messages")

    def participant_section(self, registration, request):
        """The WhatsApp opt-out on the personal page, while the person has opted in."""
        # inside: apps not ready at import
        from sapa.whatsapp.models import Consent

        consent = Consent.objects.filter(registration=registration, withdrawn_at__isnull=True).first()
        if consent is None:
            return ""
        return render_to_string("whatsapp/_participant_section.html",
                                {"registration": registration, "consent": consent}, request=request)
