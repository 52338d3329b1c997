"""Helpers every test folder shares: staff clients and a real SMTP server.

Import them by name (`from testkit import member, smtp_server`): pytest puts
tests/ on the path because tests/conftest.py lives there.
"""

import email
import email.policy
import socket
import time

import pytest
from django.test import Client
from factories import make_member


def client_for(user) -> Client:
    """A test client logged in as `user` (client.user is the user)."""
    client = Client()
    client.force_login(user, backend="sapa.libraries.auth.EmailBackend")
    client.user = user
    return client


def member(make_user, library, role, email=None) -> Client:
    """A new staff member of `library` with `role`, logged in (`make_user`, the
    fixture, is there for the database)."""
    return client_for(make_member(library, role, email))


class SmtpInbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if address in m["To"]]

    def wait_for(self, count, timeout=5.0):
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def attachments_of(message) -> dict:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free port; the outbox delivers to it."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()
