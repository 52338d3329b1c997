"""Every Cloud API request at the HTTP boundary (a local fake answering as Meta documents), and
the outbox's rules: claimed once, retried on 429/5xx, refused → failed and left to the email,
the daily budget, consent."""

# ruff: noqa: F811 - pytest fixtures imported from public_helpers

from datetime import timedelta

import pytest
from fakeapi import error
from public_helpers import _public_settings  # noqa: F401
from wa_helpers import make_event, opted_in

from sapa.events import services as events
from sapa.events.models import Registration
from sapa.events.services import manage_url
from sapa.mail.models import Email
from sapa.whatsapp import services, tasks
from sapa.whatsapp.models import Message, State

pytestmark = pytest.mark.django_db


def only_message(**filters) -> Message:
    rows = list(Message.objects.filter(**filters))
    assert len(rows) == 1, rows
    return rows[0]


def test_template_send_is_the_documented_request(library, account, api):
    event = make_event(library)
    registration = opted_in(event)
    message = only_message(kind="registered")

    assert tasks.deliver(message.pk) == State.ACCEPTED

    [(method, path, headers, body)] = api.sends
    assert method == "POST" and path == "/v21.0/1100000000/messages"
    assert headers["Authorization"] == "Bearer EAAG-access-token"
    assert body["messaging_product"] == "whatsapp" and body["type"] == "template"
    assert body["to"] == "6281234567890"
    assert body["template"]["name"] == "sapa_pendaftaran_terkonfirmasi"
    assert body["template"]["language"] == {"code": "id"}
    params = [p["text"] for p in body["template"]["components"][0]["parameters"]]
    assert params[0] == "Siti Rahmawati" and params[1] == event.title
    assert params[3] == manage_url(registration)
    assert body["biz_opaque_callback_data"] == message.key
    message.refresh_from_db()
    assert message.wamid == api.sent[0]["id"] and message.registration_id == registration.pk
    # Claimed once: a second job for the same row sends nothing.
    assert tasks.deliver(message.pk) == "skipped"
    assert len(api.sends) == 1


def test_waitlisted_person_gets_the_waiting_list_template_in_english(library, account, api):
    event = make_event(library, capacity=0)
    opted_in(event, language="en")
    tasks.deliver(only_message().pk)
    body = api.sends[0][3]
    assert body["template"]["name"] == "sapa_daftar_tunggu"
    assert body["template"]["language"] == {"code": "en"}


def test_no_optin_no_message(library, account, api):
    event = make_event(library, capacity=1)
    first = events.register(event, name="Budi", email="b@example.org", whatsapp="+6281200000000",
                            category=event.categories.first(), consent=True).registration
    opted_in(event)  # waitlisted
    assert Message.objects.count() == 1
    events.cancel_registration(first, by="participant")  # the opted-in person is promoted
    assert list(Message.objects.order_by("id").values_list("kind", flat=True)) == ["registered", "promoted"]
    assert events.send_due_reminders(now=event.starts_at - timedelta(hours=20)) == 1
    assert Message.objects.filter(kind="reminder_day").count() == 1
    assert not Message.objects.filter(registration=first).exists()


def test_401_fails_and_leaves_the_notice_to_the_email(library, account, api):
    api.script.append((401, error(190, "Error validating access token: Session has expired.")))
    opted_in(make_event(library))
    message = only_message()
    assert tasks.deliver(message.pk) == State.FAILED
    message.refresh_from_db()
    assert message.error_code == "190" and "access token" in message.last_error
    assert message.fell_back_to_email
    # The notice's email is there (events queued it with the notice), once.
    assert Email.objects.filter(render_args__kind="registered").count() == 1


def test_131047_re_engagement_fails_for_good(library, account, api):
    api.script.append((400, error(131047, "Re-engagement message",
                                  "Message failed to send because more than 24 hours have passed since "
                                  "the customer last replied to this number.")))
    opted_in(make_event(library))
    message = only_message()
    assert tasks.deliver(message.pk) == State.FAILED
    message.refresh_from_db()
    assert message.error_code == "131047" and "24 hours" in message.last_error
    assert tasks.deliver(message.pk) == "skipped" and len(api.sends) == 1


def test_131026_undeliverable_from_the_api_fails(library, account, api):
    api.script.append((400, error(131026, "Message undeliverable",
                                  "Unable to deliver message. Reasons can include: the recipient phone "
                                  "number is not a WhatsApp phone number.")))
    opted_in(make_event(library))
    message = only_message()
    assert tasks.deliver(message.pk) == State.FAILED
    assert Message.objects.get(pk=message.pk).error_code == "131026"


def test_429_waits_for_retry_after_then_sends(library, account, api):
    api.script.append((429, error(130429, "Rate limit hit", "Cloud API message throughput has been reached."),
                       {"Retry-After": "120"}))
    opted_in(make_event(library))
    message = only_message()
    from django.utils import timezone

    now = timezone.now()
    assert tasks.deliver(message.pk, now=now) == State.QUEUED
    message.refresh_from_db()
    assert message.next_attempt_at >= now + timedelta(seconds=120)
    assert message.error_code == "130429"
    # Not due yet: nothing is sent.
    assert tasks.deliver(message.pk, now=now + timedelta(seconds=60)) == "skipped"
    assert tasks.deliver(message.pk, now=now + timedelta(seconds=121)) == State.ACCEPTED
    assert len(api.sends) == 2 and api.sends[0][3] == api.sends[1][3]


def test_5xx_then_success_with_backoff(library, account, api):
    api.script.append((500, error(1, "An unknown error occurred", type_="OAuthException")))
    api.script.append((503, {"error": {"message": "Service temporarily unavailable", "code": 2}}))
    opted_in(make_event(library))
    message = only_message()
    from django.utils import timezone

    now = timezone.now()
    assert tasks.deliver(message.pk, now=now) == State.QUEUED
    assert Message.objects.get(pk=message.pk).next_attempt_at == now + timedelta(seconds=30)
    assert tasks.deliver(message.pk, now=now + timedelta(seconds=31)) == State.QUEUED
    assert Message.objects.get(pk=message.pk).next_attempt_at == now + timedelta(seconds=31 + 60)
    assert tasks.deliver(message.pk, now=now + timedelta(seconds=92)) == State.ACCEPTED
    message.refresh_from_db()
    assert len(api.sends) == 3 and message.attempts == 3 and message.wamid


def test_5xx_every_time_gives_up_after_max_attempts(library, account, api, settings):
    settings.SAPA_WHATSAPP_MAX_ATTEMPTS = 2
    api.script.extend([(502, error(1, "Bad gateway"))] * 2)
    opted_in(make_event(library))
    message = only_message()
    from django.utils import timezone

    now = timezone.now()
    tasks.deliver(message.pk, now=now)
    assert tasks.deliver(message.pk, now=now + timedelta(hours=1)) == State.FAILED
    assert Message.objects.get(pk=message.pk).fell_back_to_email


def test_daily_budget_holds_the_rest_until_tomorrow(library, account, api):
    account.daily_budget = 2
    account.save()
    event = make_event(library)
    for n in range(3):
        opted_in(event, email=f"p{n}@example.org", whatsapp=f"+62812000000{n}")
    states = [tasks.deliver(m.pk) for m in Message.objects.order_by("id")]
    assert states == [State.ACCEPTED, State.ACCEPTED, State.QUEUED]
    assert len(api.sends) == 2
    held = Message.objects.get(state=State.QUEUED)
    from zoneinfo import ZoneInfo

    tomorrow = (held.created_at.astimezone(ZoneInfo("Asia/Jakarta")) + timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0)
    assert held.next_attempt_at == tomorrow
    assert "(2 " in held.last_error  # "Jatah WhatsApp hari ini (2 pesan) sudah habis: dikirim besok."
    assert held.attempts == 0


def test_reminder_failure_falls_back_to_the_same_email_never_twice(library, account, api):
    event = make_event(library)
    registration = opted_in(event)
    Message.objects.all().delete()
    events.send_due_reminders(now=event.starts_at - timedelta(hours=20))
    message = only_message(kind="reminder_day")
    assert message.dedupe_key == f"wa:reminder_day:{registration.pk}"
    api.script.append((400, error(131026, "Message undeliverable")))
    assert tasks.deliver(message.pk) == State.FAILED
    assert Email.objects.filter(dedupe_key=f"reminder_day:{registration.pk}").count() == 1
    # The reminder pass again: neither the email nor the WhatsApp message twice.
    events.send_due_reminders(now=event.starts_at - timedelta(hours=19))
    assert Message.objects.filter(kind="reminder_day").count() == 1


def test_reminder_carries_the_meeting_link(library, account, api):
    event = make_event(library)
    opted_in(event)
    Message.objects.all().delete()
    events.send_due_reminders(now=event.starts_at - timedelta(minutes=50))
    tasks.deliver(only_message(kind="reminder_hour").pk)
    body = api.sends[0][3]
    assert body["template"]["name"] == "sapa_pengingat_satu_jam"
    assert body["template"]["components"][0]["parameters"][3]["text"] == event.meeting_url


def test_withdrawn_consent_drops_later_messages(library, account, api):
    event = make_event(library)
    registration = opted_in(event)
    services.withdraw_consent(registration)
    assert Message.objects.get().state == State.DROPPED
    events.send_due_reminders(now=event.starts_at - timedelta(hours=20))
    assert not Message.objects.filter(kind="reminder_day").exists()
    assert api.sends == []


def test_private_api_address_is_refused(library, account, api, settings):
    settings.SAPA_OUTBOUND_ALLOW = []
    opted_in(make_event(library))
    assert tasks.deliver(only_message().pk) == State.FAILED
    assert api.requests == []


def test_erasing_the_participant_erases_their_messages(library, account, api):
    registration = opted_in(make_event(library))
    message = only_message()
    tasks.deliver(message.pk)
    events.delete_my_data(Registration.objects.get(pk=registration.pk))
    message.refresh_from_db()
    assert message.to == "" and message.parameters == []


def test_unreadable_credentials_fail_without_a_request(library, account, api, settings, client, admin_user):
    opted_in(make_event(library))
    settings.SAPA_ENCRYPTION_KEY = "another-key-than-the-one-that-encrypted"
    message = only_message()
    assert tasks.deliver(message.pk) == State.FAILED
    assert api.requests == []
    ok, reason = services.test_connection(account)
    assert not ok and "enkripsi" in reason  # "… kunci enkripsi server ini …"
    from wa_helpers import signed, status_payload

    body, sig = signed(status_payload([]))
    assert client.post("/api/whatsapp/perpus-a/webhook", data=body, content_type="application/json",
                       headers={"X-Hub-Signature-256": sig}).status_code == 403
