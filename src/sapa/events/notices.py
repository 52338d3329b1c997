"""The seam through which other apps learn what a participant is being told.

Events sends `notice` each time it queues a registration email, inside the
transaction that causes it (a registration, a promotion, a cancellation, a
reminder). Certificates and prizes send it too, when they queue their own email to a
registration (a certificate ready, a prize won): events knows nothing of them. Other apps (a WhatsApp message, a Zoom registrant) receive it and
queue their own work in the same transaction, so that work exists exactly when
the change that caused it was committed, and events never imports them.

Keyword arguments of every send:

- ``kind``: "registered" (a new registration whose status is decided by the
  insert that follows: confirmed or waitlisted), "confirmed", "waitlisted",
  "promoted", "link", "cancelled", "event_cancelled", "reminder_day",
  "reminder_hour" (from events); "certificate_ready" (sapa.certificates: the
  registration's certificate was emailed) and "prize_won" (sapa.prizes: the
  registration won a prize and was emailed the claim link). Only the events
  kinds have an email in events (MAIL_KINDS); the others' email is their app's;
- ``library_id``;
- ``registration_id``: the row's id, or None for "registered" (the row is
  inserted after the notice, in the same transaction);
- ``public_id``: the registration's public id (str), always set;
- ``dedupe``: the email's de-duplication key, or None.

Receivers must be cheap: "registered" is sent on the registration hot path
(docs/benchmarks.md). A send without receivers costs one attribute check.
"""

from django.dispatch import Signal

notice = Signal()

# Asked by `services.meeting_link(registration)` (keyword ``registration``): a receiver
# answers the participant's own join link (a Zoom registrant's), or None. The first
# link given wins; without one, the event's shared link is used.
personal_meeting_link = Signal()

# Sent by the public registration (form and API) when the person ticked the WhatsApp
# opt-in and gave a number, in the transaction that created the registration (keywords
# ``registration`` and ``text``, the opt-in's wording as shown): sapa.whatsapp records
# the consent and queues the first message. Events knows nothing of WhatsApp.
whatsapp_optin = Signal()
