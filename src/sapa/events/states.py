"""A registration's status: which may follow which, and the seat rule that decides it.

    (new) ──seat rule──→ confirmed | waitlisted | stream
    waitlisted → confirmed          (a freed or added seat, or staff promote out of turn)
    confirmed | waitlisted | stream → cancelled   (the participant, staff, or the event)
    cancelled ──seat rule──→ confirmed | waitlisted | stream   (registering again)

`TRANSITIONS` is the one list of allowed moves; every status write in Python
goes through `move()` (`sapa.core.states.move`: a conditional UPDATE on the
status the caller saw). A new registration is not a move: `INITIAL` is what
`services._SeatInsert` may give it, deciding the seat rule in SQL inside the
INSERT (the registration's hot path). `seat_status()` is the same rule in
Python, for the rare row that exists already (`services._register_again`);
`tests/events/test_seat_rule.py` drives both with the same cases.
"""

from __future__ import annotations

from sapa.core.states import InvalidTransition, can_move
from sapa.core.states import move as _move
from sapa.events.models import Registration, RegistrationStatus

S = RegistrationStatus

__all__ = ["INITIAL", "TRANSITIONS", "InvalidTransition", "can_move", "move", "seat_status"]

# What a new registration may be given (by the seat rule).
INITIAL: frozenset[str] = frozenset({S.CONFIRMED, S.WAITLISTED, S.STREAM})

TRANSITIONS: dict[str, set[str]] = {
    S.CONFIRMED: {S.CANCELLED},
    S.WAITLISTED: {S.CONFIRMED, S.CANCELLED},
    S.STREAM: {S.CANCELLED},
    S.CANCELLED: {S.CONFIRMED, S.WAITLISTED, S.STREAM},
}


def move(registration: Registration, to: str, **fields) -> Registration:
    """Move a registration from the status it holds (as loaded) to `to`, setting `fields` and
    updated_at in the same UPDATE; InvalidTransition when the table forbids it or the row moved."""
    return _move(registration, to, TRANSITIONS, field="status", **fields)


def seat_status(*, capacity: int, confirmed: int, waiting: int, overflow: str) -> str:
    """The seat rule: a seat when nobody is waiting (nobody jumps the queue) and fewer are
    confirmed than the event has seats; else `overflow` (the waiting list, or the stream)."""
    if waiting == 0 and confirmed < capacity:
        return S.CONFIRMED
    return overflow
