from django.apps import AppConfig
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "sapa.certificates"
    label = "certificates"
    verbose_name = _("E-certificates")

    # Hooks read by other apps (see docs/decisions.md, "App hooks").
    event_nav = ((80, _("Certificates"), "certificates-event", "staff"),)

    def participant_section(self, registration, request):
        # inside: apps not ready at import
        from sapa.certificates import services

        certificates = services.for_registration(registration)
        if not certificates:
            return ""
        return render_to_string("certificates/public/_participant_section.html", {
            "certificates": [(c, services.download_path(c)) for c in certificates],
        }, request=request)

    def load_demo(self, library, admin):
        # inside: apps not ready at import
        from sapa.certificates.demo import load_demo

        load_demo(library, admin)

    def ready(self):
        # inside: apps not ready at import
        from sapa.certificates import services
        from sapa.mail import renderers

        renderers.register("certificates.issued", services.render_certificate_mail)

        # inside: apps not ready at import
        from sapa.events.erasure import event_erased, registration_erased

        registration_erased.connect(services.erase_holder, dispatch_uid="certificates-erase-holder")
        event_erased.connect(services.erase_event_recipients, dispatch_uid="certificates-erase-recipients")

    def participant_data(self, registration):
        """For the participant's data export (UU 27/2022): their certificates."""
        # inside: apps not ready at import
        from sapa.certificates.models import Certificate
        from sapa.certificates.services import verify_url

        certificates = Certificate.objects.filter(registration=registration).order_by("pk")
        if not certificates:
            return {}
        return {"certificates": [
            {"number": c.number, "name": c.holder_name, "role": c.role, "verify_url": verify_url(c)}
            for c in certificates
        ]}
