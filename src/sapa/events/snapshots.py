"""This process's snapshots of public events and their seats (read by sapa.events.public).

Kept apart from `public` so that `services` (a registration drops the seats) and
`signals` (an edit drops the event) can forget them without importing the
public pages' module, which imports services.
"""

EVENTS: dict[str, tuple[float, object]] = {}  # slug -> (taken at, event)
SEATS: dict[int, tuple[float, tuple[int, bool, int]]] = {}  # event id -> (taken at, seats)
MAX_ENTRIES = 1000


def forget_seats(event_id: int) -> None:
    """This process changed the event's seats: count them again on the next page."""
    SEATS.pop(event_id, None)


def forget_snapshot(event_id: int) -> None:
    """The event changed: read it (and its seats) again."""
    SEATS.pop(event_id, None)
    for slug, entry in list(EVENTS.items()):
        if entry[1].pk == event_id:
            EVENTS.pop(slug, None)


def forget_all() -> None:
    EVENTS.clear()
    SEATS.clear()
