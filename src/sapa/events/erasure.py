"""Signals sent when personal data is erased (UU 27/2022: on the participant's request,
or when the event's retention period ends), by sapa.events.services.

Apps that keep personal data of their own next to a registration or an event erase it
in a receiver, inside the same transaction:

- registration_erased(registration, now): prize claims' addresses;
- event_erased(event, now): the saved Zoom chat, the live board's log.
"""

from django.dispatch import Signal

registration_erased = Signal()
event_erased = Signal()
