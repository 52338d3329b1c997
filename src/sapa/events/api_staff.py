"""Staff event endpoints: registrations list and export, within the token owner's libraries."""

from ninja import Router

router = Router(tags=["events (staff)"])
