from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "sapa.mail"
    label = "mail"
    verbose_name = _("Outbox")

    staff_nav = ((70, _("Outbox"), "library-outbox", "editor"),)

    def ready(self):
        from sapa.events.erasure import event_erased, registration_erased
        from sapa.mail import services

        registration_erased.connect(services.erase_person_emails, dispatch_uid="mail-erase-person")
        event_erased.connect(services.erase_event_emails, dispatch_uid="mail-erase-event")
