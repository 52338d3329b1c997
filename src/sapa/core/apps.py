from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sapa.core"
    label = "core"
    verbose_name = "Sapa"

    def ready(self):
        # Before the other apps' ready() and before any view imports a form module.
        # inside: apps not ready at import
        from sapa.core import inputs

        inputs.install()
