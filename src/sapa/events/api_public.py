"""Public event endpoints: list, detail, and registration (the same rules as the form)."""

from ninja import Router

router = Router(tags=["events (public)"])
