from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "sapa.meetings"
    label = "meetings"
    verbose_name = _("Meetings: Zoom and Google Meet from the event")

    # Hooks read by other apps (see docs/decisions.md, "App hooks").
    staff_nav = ((65, _("Online meetings"), "meetings-zoom-account", "admin"),)
    event_nav = ((35, _("Online meeting"), "meetings-event", "staff"),)

    def ready(self):
        # inside: apps not ready at import
        from sapa.events.erasure import registration_erased
        from sapa.events.models import Event
        from sapa.events.notices import notice, personal_meeting_link
        from sapa.meetings import services

        notice.connect(services.registration_notice, dispatch_uid="meetings-zoom-registrant")
        personal_meeting_link.connect(services.personal_link, dispatch_uid="meetings-zoom-link")
        post_save.connect(
            services.event_saved, sender=Event, dispatch_uid="meetings-zoom-event-time"
        )
        post_save.connect(
            services.google_event_saved, sender=Event, dispatch_uid="meetings-meet-event-time"
        )
        registration_erased.connect(
            services.registration_erased, dispatch_uid="meetings-zoom-erased"
        )

    def participant_section(self, registration, request):
        """The personal Zoom link, or "it is on its way" while Zoom has not answered."""
        # inside: apps not ready at import
        from sapa.meetings.services import participant_section

        return participant_section(registration, request)

    def participant_data(self, registration):
        # inside: apps not ready at import
        from sapa.meetings.models import ZoomRegistrant

        row = ZoomRegistrant.objects.filter(registration=registration).first()
        if row is None:
            return {}
        return {
            "zoom": {
                "registrant_id": row.registrant_id,
                "join_url": row.join_url,
                "state": row.state,
            }
        }
