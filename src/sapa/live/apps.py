from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "sapa.live"
    label = "live"
    verbose_name = _("Live question board and raised hands")

    # Hooks read by other apps (see docs/decisions.md, "App hooks"):
    # staff_nav = ((weight, label, url_name(slug), role),)
    # event_nav = ((weight, label, url_name(slug, event_id), role),)
    # def participant_section(self, registration, request) -> str (HTML) | ""
    # def public_home_section(self, library) -> str (HTML) | ""
    # def load_demo(self, library, admin) -> None
