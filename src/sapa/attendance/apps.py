from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "sapa.attendance"
    label = "attendance"
    verbose_name = _("Attendance: check-in codes, meeting reports and the Zoom chat")

    # Hooks read by other apps (see docs/decisions.md, "App hooks").
    # One entry: the chat, the imports and the check-in screen are reached from the
    # attendance page (the menu marks entries by app, so two would both look current).
    event_nav = ((30, _("Attendance"), "attendance-event", "staff"),)

    def ready(self):
        # inside: apps not ready at import
        from sapa.attendance import services
        from sapa.events.erasure import event_erased, registration_erased

        event_erased.connect(services.erase_event_chat, dispatch_uid="attendance-erase-chat")
        event_erased.connect(services.erase_event_imports, dispatch_uid="attendance-erase-imports")
        registration_erased.connect(services.erase_participant, dispatch_uid="attendance-erase-participant")

    def participant_section(self, registration, request):
        """"Check in now" (the code only) while a window is open; "You checked in at …" after."""
        # inside: apps not ready at import
        from sapa.attendance.participant import section

        return section(registration, request)

    def load_demo(self, library, admin):
        # inside: apps not ready at import
        from sapa.attendance.demo import load_demo

        load_demo(library, admin)

    def participant_data(self, registration):
        """For the participant's data export (UU 27/2022)."""
        # inside: apps not ready at import
        from sapa.attendance.models import Attendance

        row = Attendance.objects.filter(registration=registration).first()
        if row is None:
            return {}
        return {"attendance": {
            "minutes": row.minutes,
            "checked_in_at": row.checked_in_at.isoformat() if row.checked_in_at else None,
            "attended": row.attended,
        }}
