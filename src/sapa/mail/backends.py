"""Django email backend that puts every message into the outbox.

Anything that calls Django's send_mail (password reset, say) goes through the
outbox with its retries, instead of talking to SMTP inside a request.
"""

from django.core.mail.backends.base import BaseEmailBackend

from sapa.mail.services import enqueue_message


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            enqueue_message(message)
        return len(email_messages)
