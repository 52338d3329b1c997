from datetime import timedelta

from django.apps import AppConfig
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "sapa.live"
    label = "live"
    verbose_name = _("Live question board and raised hands")

    # Hooks read by other apps (see docs/decisions.md, "App hooks").
    event_nav = ((40, _("Live board"), "live-moderate", "staff"),)

    def ready(self):
        # inside: apps not ready at import
        from sapa.live.serving import end_streams_on_stop

        end_streams_on_stop()
        # inside: apps not ready at import
        from sapa.events.erasure import event_erased, registration_erased
        from sapa.live import services

        event_erased.connect(services.erase_event_log, dispatch_uid="live-erase-log")
        registration_erased.connect(services.erase_participant, dispatch_uid="live-erase-participant")

    def load_demo(self, library, admin):
        # inside: apps not ready at import
        from sapa.live.demo import load_demo

        load_demo(library, admin)

    def participant_section(self, registration, request) -> str:
        """A card on the personal page with the link that opens the board as this participant."""
        event = registration.event
        if (not registration.is_active or registration.anonymized_at or event.is_cancelled
                or event.ends_at < timezone.now() - timedelta(days=1)):
            return ""  # nothing to take part in (any more)

        url = reverse("live-enter", args=[registration.event.slug, registration.public_id,
                                          registration.manage_token])
        return render_to_string("live/_participant_section.html",
                                {"registration": registration, "enter_url": url}, request=request)

    def participant_data(self, registration):
        """For the participant's data export (UU 27/2022): the questions they asked."""
        # inside: apps not ready at import
        from sapa.live.models import LiveQuestion

        questions = LiveQuestion.objects.filter(registration=registration).order_by("created_at")
        if not questions:
            return {}
        return {"live_questions": [
            {"text": q.text, "asked_at": q.created_at.isoformat(), "votes": q.votes} for q in questions
        ]}
