"""The demo event's survey: two questions besides the rating."""

from sapa.events.demo import DEMO_SLUG
from sapa.events.models import Event
from sapa.survey import services
from sapa.survey.models import QuestionKind, SurveyQuestion


def load_demo(library, admin) -> None:
    """Create the demo event's survey and its questions once."""
    event = Event.objects.filter(slug=DEMO_SLUG, library=library).first()
    if event is None:
        return
    survey = services.survey_for(event)
    SurveyQuestion.objects.get_or_create(
        survey=survey, label="Apakah materi sesuai dengan kebutuhan Anda?",
        defaults={"kind": QuestionKind.YES_NO, "required": True, "position": 0})
    SurveyQuestion.objects.get_or_create(
        survey=survey, label="Topik apa yang Anda inginkan untuk sesi berikutnya?",
        defaults={"kind": QuestionKind.MULTIPLE_CHOICE, "position": 1,
                  "choices": ["Desain konten", "Instagram dan TikTok", "Literasi informasi", "Layanan digital"]})
