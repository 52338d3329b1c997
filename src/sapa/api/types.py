"""Bounded types for the API's ids, days, times and texts (the bounds of sapa.core.inputs).

An id above 2**63, a day like 0001-01-01 or a NUL in a text is answered 422
with the field named, like any other invalid value, instead of reaching the
database.
"""

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from sapa.core.inputs import MAX_DAY, MAX_ID, MIN_DAY, day_in_range, has_control_characters


def _text(value: str) -> str:
    if has_control_characters(value):
        raise ValueError("contains control characters or characters that could not be read")
    return value


def _moment(value):
    if not day_in_range(value):
        raise ValueError(f"must be between {MIN_DAY.isoformat()} and {MAX_DAY.isoformat()}")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
IdOrZero = Annotated[int, Field(ge=0, le=MAX_ID, description="an id, or 0 for none")]
Day = Annotated[
    date, AfterValidator(_moment), Field(description=f"a day from {MIN_DAY} to {MAX_DAY}")
]
Moment = Annotated[datetime, AfterValidator(_moment)]
Text = Annotated[str, AfterValidator(_text)]
