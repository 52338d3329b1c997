"""The rules of the feedback survey.

A survey exists once per event (created on first use), opens when the event
ends (or when staff open it) and closes `open_days` later (or when staff close
it). One response per registration, enforced by a unique index. The link is
emailed once to everyone who attended, through the outbox (dedupe key per
registration), by the worker when the survey opens or on staff demand.
"""

from collections import Counter
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sapa.attendance.services import attended_registration_ids
from sapa.events.models import Event, Registration, RegistrationStatus
from sapa.libraries import audit
from sapa.mail.models import Email
from sapa.mail.services import queue_rendered_later, render_templated
from sapa.survey.models import QuestionKind, Response, Survey, SurveyQuestion

# The longest a survey stays open (open_days is a small positive number); the periodic
# job looks no further back.
MAX_OPEN_DAYS = 400


class SurveyRefused(Exception):
    """A response that cannot be taken; `message` is for the participant."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


def survey_for(event: Event) -> Survey:
    """The event's survey, created (opening when the event ends) on first use."""
    survey, _created = Survey.objects.get_or_create(event=event, defaults={"opens_at": event.ends_at})
    return survey


def respondent_registration_ids(event: Event) -> set[int]:
    """Ids of the event's registrations that answered its survey. CONTRACT."""
    return set(Response.objects.filter(survey__event=event).values_list("registration_id", flat=True))


def can_respond(registration: Registration) -> bool:
    """Whether this registration may answer: a confirmed (not erased) seat."""
    return registration.status == RegistrationStatus.CONFIRMED and not registration.anonymized_at


def submit_response(registration: Registration, *, rating: int, comments: str = "", answers=None,
                    language: str = "id", now=None) -> Response:
    """Record a registration's response (data validated by survey.forms.ResponseForm).

    Raises SurveyRefused when the survey is not open, the registration may not
    answer, or it already answered (the unique index decides under a race).
    """
    now = now or timezone.now()
    survey = survey_for(registration.event)
    state = survey.state(now)
    if state == "not_yet":
        raise SurveyRefused("not_yet", _("The survey is not open yet."))
    if state == "closed":
        raise SurveyRefused("closed", _("The survey is closed."))
    if not can_respond(registration):
        raise SurveyRefused("not_allowed", _("Only confirmed participants can answer this survey."))
    if not 1 <= int(rating) <= 5:
        raise SurveyRefused("rating", _("Choose a rating from 1 to 5."))
    try:
        with transaction.atomic():
            return Response.objects.create(
                survey=survey, registration=registration, rating=int(rating), comments=comments.strip(),
                answers=answers or {}, language=language, created_at=now,
            )
    except IntegrityError:
        raise SurveyRefused("answered", _("You have already answered this survey. Thank you!")) from None


def open_now(survey: Survey, *, request=None, now=None) -> None:
    """Staff open the survey now (and reopen a closed one)."""
    now = now or timezone.now()
    survey.opens_at = min(survey.opens_at, now) if survey.closed_at is None else now
    survey.closed_at = None
    survey.save(update_fields=["opens_at", "closed_at"])
    audit.record("survey.opened", library=survey.event.library, obj=survey.event, request=request)


def close_now(survey: Survey, *, request=None, now=None) -> None:
    """Staff close the survey now."""
    now = now or timezone.now()
    survey.closed_at = now
    survey.save(update_fields=["closed_at"])
    audit.record("survey.closed", library=survey.event.library, obj=survey.event, request=request)


# --- The invitation ---------------------------------------------------------------------


def survey_url(registration: Registration) -> str:
    return settings.BASE_URL + reverse("survey-respond", args=[registration.public_id,
                                                                registration.manage_token])


def _invite_key(registration_id: int) -> str:
    return f"survey-invite:{registration_id}"


def send_invitations(survey: Survey, *, request=None, now=None) -> int:
    """Queue the survey link to every attendee not yet invited; each gets it once.

    Returns the number of emails queued now. Attendees already invited are
    skipped by their outbox dedupe key (the unique index also stops a racing
    second call), so the periodic job and staff clicks never send twice.
    """
    now = now or timezone.now()
    event = survey.event
    ids = attended_registration_ids(event)
    done = set(Email.objects.filter(dedupe_key__in=[_invite_key(i) for i in ids])
               .values_list("dedupe_key", flat=True))
    queued = 0
    with transaction.atomic():
        for registration_id in sorted(ids):
            if _invite_key(registration_id) in done:
                continue
            email = queue_rendered_later(
                "survey.invitation", {"registration_id": registration_id},
                library_id=event.library_id, dedupe_key=_invite_key(registration_id),
            )
            if email is not None:
                queued += 1
        Survey.objects.filter(pk=survey.pk).update(invitations_sent_at=now)
        if request is not None:
            audit.record("survey.invitations_sent", library=event.library, obj=event, request=request,
                         queued=queued)
    survey.invitations_sent_at = now
    return queued


def send_due_invitations(now=None) -> int:
    """The periodic job: invite the attendees of every open survey who have not had the link
    (also those whose attendance was imported after the survey opened)."""
    now = now or timezone.now()
    total = 0
    # Events that ended without anyone opening their survey page yet get their survey.
    for event in Event.objects.filter(ends_at__lte=now, ends_at__gt=now - timedelta(days=MAX_OPEN_DAYS),
                                      survey__isnull=True, status="published",
                                      attendances__attended=True).distinct():
        survey_for(event)
    for survey in Survey.objects.filter(opens_at__lte=now, opens_at__gt=now - timedelta(days=MAX_OPEN_DAYS)) \
            .select_related("event__library"):
        if survey.is_open(now):
            total += send_invitations(survey, now=now)
    return total


def render_invitation(registration_id: int):
    """The outbox renderer "survey.invitation": the link, in the participant's language."""
    registration = Registration.objects.select_related("event__library").filter(pk=registration_id).first()
    if registration is None or not can_respond(registration) or not registration.email:
        return None
    survey = survey_for(registration.event)
    if not survey.is_open() or Response.objects.filter(registration=registration).exists():
        return None
    event = registration.event
    return render_templated(
        to=registration.email, template="survey/email/invitation",
        context={"registration": registration, "event": event, "survey": survey,
                 "survey_url": survey_url(registration)},
        library=event.library, language=registration.language or settings.LANGUAGE_CODE,
    )


# --- Results ---------------------------------------------------------------------------------


def results(survey: Survey) -> dict:
    """Response count and rate, average rating, its distribution, per-question summaries."""
    event = survey.event
    responses = list(survey.responses.all())
    count = len(responses)
    attended = len(attended_registration_ids(event))
    base = attended or event.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
    distribution = Counter(r.rating for r in responses)
    average = round(sum(r.rating for r in responses) / count, 2) if count else None
    questions = []
    for question in survey.questions.all():
        key = str(question.pk)
        values = [r.answers.get(key) for r in responses if r.answers.get(key) not in (None, "", [])]
        item = {"question": question, "answered": len(values)}
        if question.kind == QuestionKind.NUMBER:
            numbers = []
            for value in values:
                try:
                    numbers.append(Decimal(str(value)))
                except InvalidOperation:
                    continue
            item["average"] = (sum(numbers) / len(numbers)).quantize(Decimal("0.01")) if numbers else None
        elif question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.YES_NO):
            tally = Counter()
            for value in values:
                for v in value if isinstance(value, list) else [value]:
                    tally[v] += 1
            if question.kind == QuestionKind.YES_NO:
                options = [("yes", _("Yes")), ("no", _("No"))]
            else:
                options = [(c, c) for c in question.choices]
            item["tally"] = [(label, tally.get(value, 0)) for value, label in options]
        else:
            item["texts"] = [str(v) for v in values]
        questions.append(item)
    return {
        "count": count,
        "base": base,
        "rate": round(100 * count / base, 1) if base else None,
        "average": average,
        "distribution": [(n, distribution.get(n, 0)) for n in range(1, 6)],
        "questions": questions,
        "comments": [(r.rating, r.comments, r.created_at) for r in responses if r.comments],
    }


def erase_response_text(sender, registration, now, **kwargs):
    """A participant's data was erased: their survey comment and written answers go; the
    rating and the chosen options stay for the results (no longer linked to anyone).
    Connected to sapa.events.erasure.registration_erased."""
    response = Response.objects.filter(registration=registration).first()
    if response is None:
        return
    written = {str(pk) for pk in SurveyQuestion.objects.filter(
        survey_id=response.survey_id, kind__in=(QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT),
    ).values_list("pk", flat=True)}
    answers = {k: v for k, v in (response.answers or {}).items() if k not in written}
    Response.objects.filter(pk=response.pk).update(comments="", answers=answers)
