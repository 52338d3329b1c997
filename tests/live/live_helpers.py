"""Helpers of the live board tests (import what you use)."""

from django.urls import reverse


def enter_url(registration) -> str:
    return reverse("live-enter", args=[registration.event.slug, registration.public_id,
                                       registration.manage_token])


def board_url(event, **query) -> str:
    url = reverse("live-board", args=[event.slug])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url
