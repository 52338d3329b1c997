"""The public live board /e/<slug>/live/: questions, votes, raised hands, the update stream.

Without JavaScript every action is a plain form POST answered by a redirect
back to the board (PRG) with a message; the page refreshes itself every 30 s.
With JavaScript (live/board.js) the same forms are sent with fetch (the answer
is JSON) and the list follows the update stream.
"""

import hmac

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sapa.core import ratelimit
from sapa.core.net import client_ip
from sapa.events.models import Registration
from sapa.events.public import public_event
from sapa.live import participants, services
from sapa.live.models import QUESTION_MAX_LENGTH, Board, HandStatus, LiveQuestion
from sapa.live.streaming import stream_response

QUESTION_LIMIT = ratelimit.Limit("live-question", 3, 60)
VOTE_LIMIT = ratelimit.Limit("live-vote", 30, 60)
ADDRESS_LIMIT = ratelimit.Limit("live-address", 120, 60)  # a library's whole room shares one address
# Sign-in by email: each answer says whether the email is registered for the event, so
# guessing is slowed per email and per address (many honest people share one address).
IDENTIFY_EMAIL_LIMIT = ratelimit.Limit("live-identify-email", 5, 600)
IDENTIFY_ADDRESS_LIMIT = ratelimit.Limit("live-identify-address", 60, 600)


def _board(event) -> Board:
    """The saved board, or the defaults (a GET writes nothing)."""
    return Board.objects.filter(event=event).first() or Board(event=event)


def _is_fetch(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _answer(request, event, message, *, ok=True, status=200, anon_id=None, participant=None):
    """JSON for fetch; otherwise a redirect to the board with the message, or (refused) the
    board again with the message and what was typed, answered with `status`."""
    if _is_fetch(request):
        me = services.public_key(participant.key) if participant else ""
        response = JsonResponse({"ok": ok, "message": str(message), "me": me}, status=status)
    elif ok:
        messages.success(request, message)
        sort = request.POST.get("sort")
        response = HttpResponseRedirect(reverse("live-board", args=[event.slug])
                                        + (f"?sort={sort}" if sort in ("top", "new") else ""))
    else:
        context = _context(request, event, _sort(request.POST.get("sort")))
        context.update(error=message, draft=request.POST.get("text", "")[:2000])
        response = render(request, "live/board.html", context, status=status)
    if anon_id:
        participants.set_anonymous_cookie(response, event, anon_id)
    return response


def sorted_questions(event, sort: str, *, include_hidden=False) -> list[LiveQuestion]:
    """Open questions first (by votes, or newest first), then the answered ones, newest first."""
    questions = LiveQuestion.objects.select_related("registration").filter(event=event)
    if not include_hidden:
        questions = questions.filter(hidden=False)
    questions = list(questions)
    if sort == "new":
        questions.sort(key=lambda q: (q.answered, -q.pk))
    else:
        questions.sort(key=lambda q: (True, 0, -q.pk) if q.answered else (False, -q.votes, q.pk))
    return questions


def _context(request, event, sort: str) -> dict:
    live = _board(event)
    participant, _new = participants.participant_for(request, event, live)
    can_view = participant is not None or live.allow_anonymous
    context = {"event": event, "library": event.library, "board": live, "participant": participant,
               "can_view": can_view, "sort": sort, "max_length": QUESTION_MAX_LENGTH}
    if not can_view:
        return context
    seq = live.last_seq  # read before the questions: the stream starts after it
    questions = sorted_questions(event, sort)
    voted = services.voted_ids(event, participant)
    hand = services.own_hand(event, participant)
    queue = services.hand_queue(event) if live.hands_enabled else []
    raised = [h for h in queue if h.status == HandStatus.RAISED]
    me = services.public_key(participant.key) if participant else ""
    for question in questions:
        question.mine = bool(participant) and question.author_key == participant.key
        question.voted = question.pk in voted
        question.shown_name = services.first_name(question.registration)
    context.update({
        "seq": seq, "questions": questions, "hand": hand,
        "raised_count": len(raised),
        "my_name": services.first_name(participant.registration) if participant else "",
        "hand_position": next((i + 1 for i, h in enumerate(raised) if hand and h.pk == hand.pk), None),
        "on_screen": next((q for q in questions if q.on_screen), None),
        "state": {
            "seq": seq, "sort": sort, "me": me, "voted": sorted(voted),
            "canAct": bool(live.is_open and (participant or live.allow_anonymous)),
            "questions": [services.question_data(q) for q in questions],
            "hands": [services.hand_data(h) for h in queue],
            "stream": reverse("live-stream", args=[event.slug]) + f"?after={seq}",
            "vote": reverse("live-vote", args=[event.slug, 0]),
        },
    })
    return context


def _sort(value) -> str:
    return value if value in ("top", "new") else "top"


@require_http_methods(["GET", "HEAD", "POST"])
def board(request, slug):
    """The board, and (POST) a new question."""
    event = public_event(slug)
    if request.method == "POST":
        return _ask(request, event)
    response = render(request, "live/board.html", _context(request, event, _sort(request.GET.get("sort"))))
    response["Cache-Control"] = "no-store"
    return response


def _limited(request, participant, limit) -> bool:
    return (ratelimit.is_limited(ADDRESS_LIMIT, client_ip(request))
            or ratelimit.is_limited(limit, participant.key))


def _ask(request, event):
    live = _board(event)
    participant, anon_id = participants.participant_for(request, event, live, create_anonymous=True)
    if participant is None:
        return _answer(request, event, _("Open the board through the personal link in your registration "
                                         "email to take part."), ok=False, status=403)
    if _limited(request, participant, QUESTION_LIMIT):
        return _answer(request, event, _("You are sending questions too quickly. Wait a minute and try "
                                         "again."), ok=False, status=429, anon_id=anon_id)
    try:
        services.post_question(event, participant, request.POST.get("text", ""))
    except services.Refused as refused:
        return _answer(request, event, refused.message, ok=False, status=400, anon_id=anon_id)
    return _answer(request, event, _("Your question is on the board."), status=201, anon_id=anon_id,
                   participant=participant)


@require_POST
def vote(request, slug, question_id):
    event = public_event(slug)
    live = _board(event)
    participant, anon_id = participants.participant_for(request, event, live, create_anonymous=True)
    if participant is None:
        return _answer(request, event, _("Open the board through the personal link in your registration "
                                         "email to take part."), ok=False, status=403)
    if _limited(request, participant, VOTE_LIMIT):
        return _answer(request, event, _("Too many votes at once. Wait a minute and try again."),
                       ok=False, status=429, anon_id=anon_id)
    try:
        services.vote(event, participant, question_id)
    except services.Refused as refused:
        return _answer(request, event, refused.message, ok=False, status=400, anon_id=anon_id)
    return _answer(request, event, _("Your vote has been counted."), anon_id=anon_id, participant=participant)


@require_POST
def hand(request, slug):
    """Raise (action=raise) or lower (action=lower) one's own hand."""
    event = public_event(slug)
    live = _board(event)
    participant, _new = participants.participant_for(request, event, live)
    if participant is None or participant.anonymous:
        return _answer(request, event, _("Open the board through the personal link in your registration "
                                         "email to raise your hand."), ok=False, status=403)
    if ratelimit.is_limited(ADDRESS_LIMIT, client_ip(request)):
        return _answer(request, event, _("Too many requests at once. Wait a minute and try again."),
                       ok=False, status=429)
    if request.POST.get("action") == "lower":
        services.lower_own_hand(event, participant)
        return _answer(request, event, _("Your hand is lowered."))
    try:
        services.raise_hand(event, participant)
    except services.Refused as refused:
        return _answer(request, event, refused.message, ok=False, status=400)
    return _answer(request, event, _("Your hand is raised. The moderator calls hands in order."))


@require_POST
def identify(request, slug):
    """Sign in on the board with the email one registered with (no personal link needed)."""
    event = public_event(slug)
    email = request.POST.get("email", "").strip()[:254]

    def refuse(message, status):
        context = _context(request, event, "top")
        context.update(identify_error=message, identify_email=email)
        response = render(request, "live/board.html", context, status=status)
        response["Cache-Control"] = "no-store"
        return response

    if not email or "@" not in email:
        return refuse(_("Write the email address you registered with."), 400)
    if (ratelimit.is_limited(IDENTIFY_ADDRESS_LIMIT, client_ip(request))
            or ratelimit.is_limited(IDENTIFY_EMAIL_LIMIT, f"{event.pk}:{email.lower()}")):
        return refuse(_("Too many attempts. Wait a few minutes and try again."), 429)
    registration = participants.registration_by_email(event, email)
    if registration is None:
        return refuse(_("No registration for this event has this email address. Check the spelling: it "
                        "is the address your registration email came to."), 400)
    messages.success(request, _("Welcome, %(name)s: you can ask questions now.")
                     % {"name": services.first_name(registration)})
    response = HttpResponseRedirect(reverse("live-board", args=[event.slug]))
    participants.set_participant_cookie(response, registration)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def stream(request, slug):
    """The board's updates as Server-Sent Events (see sapa.live.streaming)."""
    event = public_event(slug)
    live = _board(event)
    participant, _new = participants.participant_for(request, event, live)
    if participant is None and not live.allow_anonymous:
        raise Http404
    return stream_response(request, event.pk)


@require_GET
def enter(request, slug, public_id, token):
    """The personal page's link to the board: check the token, set the cookie, go to the board."""
    event = public_event(slug)
    registration = (Registration.objects.select_related("event").filter(event=event, public_id=public_id)
                    .filter(anonymized_at__isnull=True).first())
    if registration is None or not registration.is_active or not hmac.compare_digest(
            registration.manage_token.encode(), str(token).encode()):
        raise Http404
    response = HttpResponseRedirect(reverse("live-board", args=[event.slug]))
    participants.set_participant_cookie(response, registration)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
