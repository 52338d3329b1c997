from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "sapa.news"
    label = "news"
    verbose_name = _("News and reports")

    # Hooks read by other apps (see docs/decisions.md, "App hooks").
    staff_nav = ((40, _("News"), "staff-news", "staff"),)
    event_nav = ((90, _("Report"), "staff-news-event", "staff"),)

    def public_home_section(self, library):
        # inside: apps not ready at import
        from sapa.news.services import home_section

        return home_section(library)

    def load_demo(self, library, admin):
        # inside: apps not ready at import
        from sapa.news.demo import load_demo

        load_demo(library, admin)

    def ready(self):
        # inside: apps not ready at import
        from sapa.news import tasks  # noqa: F401  (registers the periodic task)
