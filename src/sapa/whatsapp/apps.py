from django.apps import AppConfig


class WhatsAppConfig(AppConfig):
    name = "sapa.whatsapp"
    label = "whatsapp"
    verbose_name = "WhatsApp"

    def ready(self):
        from sapa.events.notices import notice
        from sapa.whatsapp import services

        notice.connect(services.on_notice, dispatch_uid="sapa.whatsapp.on_notice")
