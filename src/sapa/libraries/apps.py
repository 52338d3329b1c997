from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibrariesConfig(AppConfig):
    name = "sapa.libraries"
    label = "libraries"
    verbose_name = _("Libraries and staff")

    staff_nav = (
        (0, _("Overview"), "library-dashboard", "staff"),
        (80, _("Staff"), "library-staff", "admin"),
        (85, _("Audit log"), "library-audit", "admin"),
        (90, _("Settings"), "library-settings", "admin"),
    )
