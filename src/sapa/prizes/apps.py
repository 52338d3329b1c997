from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrizesConfig(AppConfig):
    name = "sapa.prizes"
    label = "prizes"
    verbose_name = _("Door prizes and verifiable draws")

    event_nav = ((60, _("Door prizes"), "prizes-event", "staff"),)

    def participant_section(self, registration, request):
        # inside: apps not ready at import
        from sapa.prizes.hooks import participant_section

        return participant_section(registration, request)

    def load_demo(self, library, admin):
        # inside: apps not ready at import
        from sapa.prizes.demo import load_demo

        load_demo(library, admin)

    def ready(self):
        # inside: apps not ready at import
        from sapa.mail import renderers
        from sapa.prizes import services

        renderers.register("prizes.winner", services.render_winner_mail)
        # inside: apps not ready at import
        from sapa.events.erasure import registration_erased

        registration_erased.connect(services.erase_claims, dispatch_uid="prizes-erase-claims")

    def participant_data(self, registration):
        """For the participant's data export (UU 27/2022): prizes won and the claim."""
        # inside: apps not ready at import
        from sapa.prizes.models import Winner

        winners = Winner.objects.filter(registration=registration).select_related("prize", "variant", "draw")
        if not winners:
            return {}
        return {"door_prizes": [
            {"round": w.draw.round, "prize": w.prize.name, "variant": w.variant.name if w.variant else None,
             "state": w.state, "recipient": w.recipient, "phone": w.phone, "province": w.province,
             "regency": w.regency, "district": w.district, "street": w.street,
             "postal_code": w.postal_code, "courier": w.courier, "tracking_number": w.tracking_number}
            for w in winners
        ]}
