"""The moderator's pages of the live board: questions (hidden ones too), the hand queue,
the board's switches, and the presenter view to share on Zoom.

Any staff member of the event's library may moderate (running the live session is the
front desk's work); every action is audited. Objects come through request.library:
another library's event answers 404. Every page works without JavaScript (forms and
redirects; the presenter view refreshes itself); with JavaScript (live/moderate.js)
the page re-reads its fragment whenever the update stream says something changed.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sapa.events.tenancy import event_view
from sapa.libraries.models import Role
from sapa.live import services
from sapa.live.models import Board, HandStatus
from sapa.live.streaming import stream_response
from sapa.live.views_public import sorted_questions

QUESTION_ACTIONS = {
    "show": gettext_lazy("The question is on screen."),
    "unshow": gettext_lazy("The question is off screen."),
    "answer": gettext_lazy("Marked as answered."),
    "reopen": gettext_lazy("Marked as not answered."),
    "hide": gettext_lazy("The question is hidden from participants."),
    "restore": gettext_lazy("The question is visible again."),
}


def _back(request, event):
    sort = request.POST.get("sort")
    return HttpResponseRedirect(reverse("live-moderate", args=[request.library.slug, event.pk])
                                + (f"?sort={sort}" if sort in ("top", "new") else ""))


def _context(request, event) -> dict:
    sort = "new" if request.GET.get("sort") == "new" else "top"
    board = Board.objects.filter(event=event).first() or Board(event=event)
    seq = board.last_seq
    questions = sorted_questions(event, sort, include_hidden=True)
    for question in questions:
        question.shown_name = services.first_name(question.registration)
    hands = services.hand_queue(event)
    for hand in hands:
        hand.first_name = services.first_name(hand.registration)
    return {
        "event": event, "board": board, "seq": seq, "sort": sort, "questions": questions,
        "on_screen": next((q for q in questions if q.on_screen), None),
        "hands": hands, "raised": [h for h in hands if h.status == HandStatus.RAISED],
        "called": [h for h in hands if h.status == HandStatus.CALLED],
        "public_url": request.build_absolute_uri(reverse("live-board", args=[event.slug])),
        "stream_url": reverse("live-staff-stream", args=[request.library.slug, event.pk]) + f"?after={seq}",
    }


@event_view(Role.STAFF)
def moderate(request, event):
    return render(request, "live/moderate.html", _context(request, event))


@event_view(Role.STAFF)
@require_GET
def moderate_fragment(request, event):
    response = render(request, "live/_moderate_body.html", _context(request, event))
    response["Cache-Control"] = "no-store"
    return response


@event_view(Role.STAFF)
@require_GET
def present(request, event):
    import base64

    from sapa.promotion import qr

    context = _context(request, event)
    context["qr_src"] = "data:image/svg+xml;base64," + base64.b64encode(
        qr.svg(context["public_url"], scale=5, fluid=True)).decode()
    return render(request, "live/present.html", context)


@event_view(Role.STAFF)
@require_GET
def present_fragment(request, event):
    response = render(request, "live/_present_body.html", _context(request, event))
    response["Cache-Control"] = "no-store"
    return response


@event_view(Role.STAFF)
@require_GET
def staff_stream(request, event):
    return stream_response(request, event.pk, staff=True)


@event_view(Role.STAFF)
@require_POST
def question_action(request, event, question_id, action):
    if action not in QUESTION_ACTIONS:
        messages.error(request, _("Unknown action."))
        return _back(request, event)
    try:
        services.moderate_question(event, question_id, action, request=request)
    except services.Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, QUESTION_ACTIONS[action])
    return _back(request, event)


@event_view(Role.STAFF)
@require_POST
def hands_action(request, event, action):
    """call (the next hand), lower_all, on, off."""
    if action == "call":
        hand = services.call_next(event, request=request)
        if hand is None:
            messages.info(request, _("No hand is raised."))
        else:
            name = hand.registration.name.rstrip().removesuffix(".")  # "S.IP." ends the sentence
            messages.success(request, _("Called: %(name)s.") % {"name": name})
    elif action == "lower_all":
        count = services.lower_all(event, request=request)
        messages.success(request, _("All hands lowered (%(count)d).") % {"count": count})
    elif action in ("on", "off"):
        services.update_settings(event, request=request, hands_enabled=action == "on")
        messages.success(request, _("Raising hands is on.") if action == "on" else _("Raising hands is off."))
    else:
        messages.error(request, _("Unknown action."))
    return _back(request, event)


@event_view(Role.STAFF)
@require_POST
def hand_lower(request, event, hand_id):
    try:
        services.lower_hand(event, hand_id, request=request)
    except services.Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The hand is lowered."))
    return _back(request, event)


@event_view(Role.STAFF)
@require_POST
def board_settings(request, event):
    services.update_settings(event, request=request, is_open=request.POST.get("is_open") == "on",
                             allow_anonymous=request.POST.get("allow_anonymous") == "on",
                             hands_enabled=request.POST.get("hands_enabled") == "on")
    messages.success(request, _("The board's settings are saved."))
    return _back(request, event)
