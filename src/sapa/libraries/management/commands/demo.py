"""sapa demo: the demo library, modelled on the article's sharing session.

Safe to run twice: everything is found or created by a fixed key. Each app
that has demo data adds it through its AppConfig's `load_demo(library, admin)`.
"""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from sapa.libraries.models import Library, Membership, Role, User

DEMO_EMAIL = "admin@perpustakaan.test"
DEMO_SLUG = "balitbangdiklat"
NEIGHBOUR_SLUG = "perpus-tetangga"
NEIGHBOUR_EMAIL = "admin@tetangga.test"


class Command(BaseCommand):
    help = "Load the demo library and its staff login (safe to run twice)."

    def handle(self, *args, **options):
        password = settings.SAPA_DEMO_PASSWORD
        with transaction.atomic():
            library, _ = Library.objects.get_or_create(
                slug=DEMO_SLUG,
                defaults={
                    "name": "Perpustakaan Balitbangdiklat Kemenag",
                    "tagline": "Menyapa pemustaka, mendekatkan perpustakaan",
                    "city": "Jakarta",
                    "email": "perpustakaan@perpustakaan.test",
                },
            )
            admin = User.objects.filter(email=DEMO_EMAIL).first()
            if admin is None:
                admin = User.objects.create_user(DEMO_EMAIL, password, name="Dewindah")
            Membership.objects.get_or_create(user=admin, library=library, defaults={"role": Role.ADMIN})
            editor = User.objects.filter(email="editor@perpustakaan.test").first()
            if editor is None:
                editor = User.objects.create_user("editor@perpustakaan.test", password, name="Hariyah")
            Membership.objects.get_or_create(user=editor, library=library, defaults={"role": Role.EDITOR})
            for config in apps.get_app_configs():
                loader = getattr(config, "load_demo", None)
                if loader is not None:
                    loader(library, admin)
            # A second library with its own admin and nothing else: what staff of one
            # library can reach of another's (scripts/probe.py logs in as this admin).
            neighbour, _ = Library.objects.get_or_create(
                slug=NEIGHBOUR_SLUG, defaults={"name": "Perpustakaan Kota Tetangga", "city": "Bogor"})
            neighbour_admin = User.objects.filter(email=NEIGHBOUR_EMAIL).first()
            if neighbour_admin is None:
                neighbour_admin = User.objects.create_user(NEIGHBOUR_EMAIL, password, name="Admin Tetangga")
            Membership.objects.get_or_create(user=neighbour_admin, library=neighbour,
                                             defaults={"role": Role.ADMIN})
        self.stdout.write(self.style.SUCCESS("Demo library ready."))
        self.stdout.write(f"  staff login: {DEMO_EMAIL} / {password}")
        self.stdout.write(f"  public site: /{DEMO_SLUG}/")
        self.stdout.write(f"  another library's admin: {NEIGHBOUR_EMAIL} / {password} (/{NEIGHBOUR_SLUG}/)")
