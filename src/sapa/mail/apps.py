from django.apps import AppConfig
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from prometheus_client.core import GaugeMetricFamily


class MailConfig(AppConfig):
    name = "sapa.mail"
    label = "mail"
    verbose_name = _("Outbox")

    staff_nav = ((70, _("Outbox"), "library-outbox", "editor"),)

    def ready(self):
        # inside: apps not ready at import (services imports models).
        # KNOWN_LOOPS_TO_REMOVE (tests/test_architecture.py): mail -> events goes when events'
        # erasure calls mail's erase_* itself; mail must not listen to the app above it.
        # inside: apps not ready at import
        from sapa.events.erasure import event_erased, registration_erased
        from sapa.mail import services

        registration_erased.connect(services.erase_person_emails, dispatch_uid="mail-erase-person")
        event_erased.connect(services.erase_event_emails, dispatch_uid="mail-erase-event")

    def metric_families(self, since):
        """/metrics (sapa.core.metrics): outbox emails by state."""
        from sapa.mail.models import Email  # inside: apps not ready at import

        outbox = GaugeMetricFamily("sapa_outbox_emails", "Outbox emails by state", labels=["state"])
        for row in Email.objects.values("state").annotate(n=Count("id")).order_by():
            outbox.add_metric([row["state"]], row["n"])
        return [outbox]
