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

    def ready(self):
        from sapa.events import services, signals

        signals.connect()
        from sapa.mail import renderers

        renderers.register("events.registration", services.render_registration_mail)
