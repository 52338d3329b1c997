"""Emails rendered by the worker instead of the request.

A feature that must send mail from a hot path (a registration during a rush)
writes a small outbox row inside its own transaction — so the mail can never be
lost — naming a renderer and its arguments; the worker renders it just before
delivery. Apps register their renderers in AppConfig.ready().

A renderer takes the row's `render_args` and returns a Django EmailMessage, or
None when there is nothing to send any more (the person's data was erased).
"""

from collections.abc import Callable

from django.core.mail import EmailMessage

RENDERERS: dict[str, Callable[..., EmailMessage | None]] = {}


def register(name: str, renderer: Callable[..., EmailMessage | None]) -> None:
    RENDERERS[name] = renderer


def render(name: str, args: dict) -> EmailMessage | None:
    return RENDERERS[name](**args)
