"""sapa create_library SLUG "NAME" --admin EMAIL: a new library and its first admin.

The admin's account is created when it does not exist yet; they get a link to set
their password (the password-reset email) rather than a password on the command line.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sapa.libraries import services


class Command(BaseCommand):
    help = "Create a library with its first admin."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the library's address: /<slug>/ (lowercase, digits, hyphens)")
        parser.add_argument("name", help="the library's name")
        parser.add_argument("--admin", required=True, help="email of the library's first admin")

    def handle(self, *args, slug, name, admin, **options):
        User = get_user_model()
        email = User.objects.normalize_email(admin.strip())
        user = User.objects.filter(email__iexact=email).first()
        created_user = user is None
        try:
            if created_user:
                user = User(email=email)
                user.set_unusable_password()
                user.full_clean(exclude=["password"])
                user.save()
            library = services.create_library(slug=slug, name=name, admin=user)
        except ValidationError as exc:
            if created_user and user.pk:
                user.delete()
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"library {library.slug} created; admin {user.email}")
        if created_user:
            self.stdout.write("the admin sets a password with 'Lupa kata sandi?' on the login page")
