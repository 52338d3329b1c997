from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "sapa.catalogue"
    label = "catalogue"
    verbose_name = _("New arrivals from the catalogue")

    staff_nav = ((30, _("New arrivals"), "catalogue-acquisitions", "staff"),)

    def ready(self):
        # inside: apps not ready at import
        from sapa.catalogue import tasks  # noqa: F401  (registers the nightly harvest)
