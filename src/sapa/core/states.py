"""One state-move helper for every model with an explicit transition table.

Posts (`sapa.social.workflow`), articles (`sapa.news.workflow`) and
registrations (`sapa.events.states`) each keep their own `TRANSITIONS` table;
every move goes through `move()`: a conditional UPDATE on the state the
caller saw, so two people (or a person and the worker) cannot both move the
same row, and a move the table does not allow is refused before any write.
"""

from __future__ import annotations

from django.utils import timezone


class InvalidTransition(Exception):
    """The row is not in a state that allows this step (or someone else moved it first)."""


def can_move(transitions: dict[str, set[str]], state: str, to: str) -> bool:
    return to in transitions.get(state, set())


def move(obj, to: str, transitions: dict[str, set[str]], *, field: str = "state",
         touch: str | None = "updated_at", **fields):
    """Move `obj` from the state it holds (as loaded) to `to`, atomically.

    `touch` names a timestamp column set to now with the move (None: none).
    Raises InvalidTransition when the table forbids the move or when the row's
    state changed since `obj` was loaded; `obj` is updated in memory on success.
    """
    state = getattr(obj, field)
    if not can_move(transitions, state, to):
        raise InvalidTransition(f"{state} → {to} is not allowed")
    values = {field: to, **fields}
    if touch:
        values[touch] = timezone.now()
    updated = type(obj).objects.filter(pk=obj.pk, **{field: state}).update(**values)
    if not updated:
        raise InvalidTransition(f"{type(obj).__name__} {obj.pk} changed state meanwhile")
    for name, value in values.items():
        setattr(obj, name, value)
    return obj
