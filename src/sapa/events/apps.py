from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "sapa.events"
    label = "events"
    verbose_name = _("Events and registration")

    staff_nav = ((10, _("Events"), "staff-events", "staff"),)

    def public_home_section(self, library):
        from sapa.events.public import home_section

        return home_section(library)

    def load_demo(self, library, admin):
        from sapa.events.demo import load_demo

        load_demo(library, admin)

    def metric_families(self, since):
        """/metrics (sapa.core.metrics): registrations by event and status, events ended since `since`."""
        from django.db.models import Count  # inside: apps not ready at import (with the models)
        from prometheus_client.core import GaugeMetricFamily

        from sapa.events.models import Registration

        regs = GaugeMetricFamily("sapa_registrations", "Registrations by event and status",
                                 labels=["library", "event", "status"])
        rows = (Registration.objects.filter(event__ends_at__gte=since)
                .values("event__library__slug", "event__slug", "status").annotate(n=Count("id")).order_by())
        for row in rows:
            regs.add_metric([row["event__library__slug"], row["event__slug"], row["status"]], row["n"])
        return [regs]

    def ready(self):
        from sapa.events import services, signals

        signals.connect()
        from sapa.mail import renderers

        renderers.register("events.registration", services.render_registration_mail)
