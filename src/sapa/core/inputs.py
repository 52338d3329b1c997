"""Odd input, refused in one place: control characters, unreadable text, ids and days out of range.

Browsers never send these, but scripts and pasted text do, and each used to end
as a 500 (PostgreSQL refuses NUL in text and ids above 2**63; a day like
0001-01-01 or 9999-12-31 overflows once moved to UTC or by a day) or, worse, was
stored and went on into exports. Three layers use the helpers here:

- `install()` (CoreConfig.ready) gives every Django form field its bound: text
  fields refuse control characters, date and time fields refuse days outside
  MIN_DAY..MAX_DAY, integer fields refuse numbers no database column holds. Every
  form of every app gets it, with the message on the field.
- `text_problem()` for the few views that read a posted value without a form.
- `sapa.core.middleware.RequestInputMiddleware` refuses the request itself when
  its charset is not UTF-8, or its query string or form body is not valid UTF-8
  or carries NUL; `sapa.api.types` bounds the API's ids, days and strings.
"""

import re
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1  # a bigint column's largest value
MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(2999, 12, 31)

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls;
# U+FFFD, what a body that is not UTF-8 is decoded to.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")

CONTROL_MESSAGE = _(
    "This text contains invisible control characters or characters that could not be read. "
    "Type it again, or paste it as plain text."
)
DAY_MESSAGE = _("Pick a day between %(first)s and %(last)s.")
NUMBER_MESSAGE = _("This number is too large.")


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


def without_control_characters(text: str) -> str:
    """The text less its control characters (for what was stored before they were refused)."""
    return _CONTROL.sub("", text)


def text_problem(text) -> str | None:
    """The message for a posted text that cannot be stored as it is, or None."""
    if isinstance(text, str) and has_control_characters(text):
        return str(CONTROL_MESSAGE)
    return None


def validate_text(value) -> None:
    """A validator for text values: no control characters (lists of texts too)."""
    values = value if isinstance(value, list | tuple) else [value]
    if any(isinstance(v, str) and has_control_characters(v) for v in values):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")


def day_in_range(value) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return MIN_DAY <= day <= MAX_DAY


def validate_day(value) -> None:
    """A validator for dates and datetimes: within MIN_DAY..MAX_DAY."""
    if isinstance(value, date) and not day_in_range(value):
        raise ValidationError(
            DAY_MESSAGE,
            code="day_out_of_range",
            params={"first": MIN_DAY.isoformat(), "last": MAX_DAY.isoformat()},
        )


def validate_integer(value) -> None:
    """A validator for integers: what a bigint column holds."""
    if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
        raise ValidationError(NUMBER_MESSAGE, code="number_out_of_range")


def install() -> None:
    """Give Django's form fields the bounds above, for every form of every app.

    Subclasses that set their own default validators (email, URL, slug) keep
    them: their format already refuses control characters.
    """
    forms.CharField.default_validators = [validate_text]
    forms.DateField.default_validators = [validate_day]
    forms.DateTimeField.default_validators = [validate_day]
    forms.IntegerField.default_validators = [validate_integer]
