"""`sapa whatsapp_check`: every library's WhatsApp templates exist and are approved.

Asks the Cloud API for each active account's templates, records each one's state (shown on the
library's WhatsApp page) and exits 1 when a template Sapa uses is missing or not approved, or an
account cannot be reached. Run it after deploying and in monitoring; the worker runs it daily.
"""

from django.core.management.base import BaseCommand, CommandError

from sapa.whatsapp import connector, services
from sapa.whatsapp.models import Account


class Command(BaseCommand):
    help = "Check that the WhatsApp message templates Sapa uses exist and are approved."

    def handle(self, *args, **options):
        failed = 0
        accounts = Account.objects.filter(is_active=True).select_related("library")
        for account in accounts:
            try:
                problems = services.check_templates(account)
            except connector.CloudError as exc:
                problems = [exc.message]
            if problems:
                failed += 1
                self.stdout.write(f"{account.library.slug}: " + "; ".join(problems))
            else:
                self.stdout.write(f"{account.library.slug}: all {len(services.TEMPLATES) * 2} templates approved")
        if failed:
            raise CommandError(f"{failed} librar{'y' if failed == 1 else 'ies'} with WhatsApp template problems")
        if not accounts:
            self.stdout.write("No library sends WhatsApp messages.")
