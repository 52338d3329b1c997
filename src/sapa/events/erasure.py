"""Signals sent when personal data is erased (UU 27/2022: on the participant's request,
or when the event's retention period ends), by sapa.events.services.

Apps that keep personal data of their own next to a registration or an event erase it
in a receiver, inside the same transaction:

- registration_erased(registration, now, personal, event_wide): prize claims' addresses,
  certificates, outbox, live questions, survey text, chat lines. `personal` holds the
  erased name/email/WhatsApp; `event_wide` is True when the retention job erases the
  whole event, whose event_erased follows in the same transaction;
- event_erased(event, now, people): the saved Zoom chat, the live board's log, and what
  is searched by text in one pass for all the event's erased `people` (the outbox).
"""

from django.dispatch import Signal

registration_erased = Signal()
event_erased = Signal()
