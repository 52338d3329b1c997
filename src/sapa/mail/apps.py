from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "sapa.mail"
    label = "mail"
    verbose_name = _("Outbox")

    staff_nav = ((70, _("Outbox"), "library-outbox", "editor"),)
