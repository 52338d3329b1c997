"""Emails rendered by the worker instead of the request.

A feature that must send mail from a hot path (a registration during a rush)
writes a small outbox row inside its own transaction — so the mail can never be
lost — naming a renderer and its arguments; the worker renders it just before
delivery. Apps register their renderers in AppConfig.ready().

A renderer takes the row's `render_args` and returns a Django EmailMessage, or
None when there is nothing to send any more (the person's data was erased).
"""

import base64
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage

RENDERERS: dict[str, Callable[..., EmailMessage | None]] = {}


def register(name: str, renderer: Callable[..., EmailMessage | None]) -> None:
    RENDERERS[name] = renderer


def render(name: str, args: dict) -> EmailMessage | None:
    return RENDERERS[name](**args)


def message_fields(message) -> dict:
    """The outbox row's fields for a Django EmailMessage."""
    html = ""
    for content, mimetype in getattr(message, "alternatives", []) or []:
        if mimetype == "text/html":
            html = content
    attachments = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode()
        attachments.append({
            "filename": filename,
            "mimetype": mimetype or "application/octet-stream",
            "content_b64": base64.b64encode(content).decode(),
        })
    return {
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "from_email": message.from_email or settings.DEFAULT_FROM_EMAIL,
        "reply_to": list(message.reply_to),
        "subject": str(message.subject)[:300],
        "body_text": message.body,
        "body_html": html,
        "attachments": attachments,
        "headers": dict(message.extra_headers),
    }
