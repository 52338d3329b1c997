from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveyConfig(AppConfig):
    name = "sapa.survey"
    label = "survey"
    verbose_name = _("Feedback survey")

    event_nav = ((50, _("Survey"), "survey-results", "staff"),)

    def participant_section(self, registration, request):
        # inside: apps not ready at import
        from sapa.survey.hooks import participant_section

        return participant_section(registration, request)

    def load_demo(self, library, admin):
        # inside: apps not ready at import
        from sapa.survey.demo import load_demo

        load_demo(library, admin)

    def ready(self):
        # inside: apps not ready at import
        from sapa.mail import renderers
        from sapa.survey import services

        renderers.register("survey.invitation", services.render_invitation)
        # inside: apps not ready at import
        from sapa.events.erasure import registration_erased

        registration_erased.connect(services.erase_response_text, dispatch_uid="survey-erase-text")

    def participant_data(self, registration):
        """For the participant's data export (UU 27/2022): their survey answers."""
        # inside: apps not ready at import
        from sapa.survey.models import Response

        response = Response.objects.filter(registration=registration).first()
        if response is None:
            return {}
        return {"survey": {
            "rating": response.rating, "comments": response.comments, "answers": response.answers,
            "answered_at": response.created_at.isoformat(),
        }}
