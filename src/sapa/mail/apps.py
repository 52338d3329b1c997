from django.apps import AppConfig
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from prometheus_client.core import GaugeMetricFamily


class MailConfig(AppConfig):
    name = "sapa.mail"
    label = "mail"
    verbose_name = _("Outbox")

    staff_nav = ((70, _("Outbox"), "library-outbox", "editor"),)

    def metric_families(self, since):
        """/metrics (sapa.core.metrics): outbox emails by state."""
        from sapa.mail.models import Email  # inside: apps not ready at import

        outbox = GaugeMetricFamily("sapa_outbox_emails", "Outbox emails by state", labels=["state"])
        for row in Email.objects.values("state").annotate(n=Count("id")).order_by():
            outbox.add_metric([row["state"]], row["n"])
        return [outbox]
