"""The rules of the live board and the raise-hand queue.

Every state change is one transaction that first locks the event's Board row,
makes the change, and appends one Update row (the next `seq` of the event)
describing the new state of what changed; after the commit the update is
published (sapa.live.hub.publish) to every open screen.

A participant is a `Participant`: a registration known through the personal
link, or an anonymous visitor (a random id in a signed cookie) when the board
allows anonymous questions. Screens only ever receive the question's text, its
votes, the asker's first name or "Anonim", and the first names in the hand
queue, never an email or a full name (`question_data`, `hand_data`).
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sapa.core.inputs import text_problem
from sapa.libraries import audit
from sapa.live import hub
from sapa.live.models import (
    HAND_TRANSITIONS,
    QUESTION_MAX_LENGTH,
    Board,
    Hand,
    HandStatus,
    LiveQuestion,
    Update,
    Vote,
)

ANONYMOUS = gettext_lazy("Anonymous")


class Refused(Exception):
    """A change the rules do not allow; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Participant:
    """Who is asking: `key` identifies their questions and votes ("r:<id>" or "a:<hash>")."""

    key: str
    registration: object | None = None

    @property
    def anonymous(self) -> bool:
        return self.registration is None


def first_name(registration, *, anonymous=None) -> str:
    """What the board shows of a person: the first word of their name, or "Anonim"
    (`anonymous`; "" in the update log, where each screen puts in its own language's word)."""
    if anonymous is None:
        anonymous = str(ANONYMOUS)
    if registration is None or registration.anonymized_at:
        return anonymous
    parts = (registration.name or "").split()
    return parts[0] if parts else anonymous


def board_for(event) -> Board:
    """The event's board settings, created with the defaults on first use."""
    board, _created = Board.objects.get_or_create(event=event)
    return board


def current_seq(event_id: int) -> int:
    """The number of the event's latest update (0 before the first)."""
    return Board.objects.filter(event_id=event_id).values_list("last_seq", flat=True).first() or 0


def public_key(key: str) -> str:
    """A participant's key as screens see it: enough to know one's own, no registration id."""
    return salted_hmac("sapa.live.public-key", key).hexdigest()[:16]


def question_data(question: LiveQuestion) -> dict:
    """What every screen may know of a question (hidden ones carry no text or name)."""
    data = {"id": question.pk, "votes": question.votes, "hidden": question.hidden,
            "on_screen": question.on_screen, "answered": question.answered,
            "author": public_key(question.author_key), "created": question.created_at.isoformat()}
    if not question.hidden:
        data.update(text=question.text, name=first_name(question.registration, anonymous=""))
    return data


def hand_data(hand: Hand) -> dict:
    return {"id": hand.pk, "status": hand.status, "name": first_name(hand.registration, anonymous=""),
            "owner": public_key(f"r:{hand.registration_id}")}


# --- the one way to change a board -------------------------------------------------------


def _locked_board(event) -> Board:
    """The event's board, locked until the transaction ends (created if missing)."""
    board = Board.objects.select_for_update().filter(event=event).first()
    if board is None:
        try:
            with transaction.atomic():
                Board.objects.create(event=event)
        except IntegrityError:
            pass  # another request created it first
        board = Board.objects.select_for_update().get(event=event)
    return board


def _log(board: Board, kind: str, payload: dict) -> Update:
    """Append the next update of the board's event; publish it after the commit."""
    board.last_seq += 1
    Board.objects.filter(pk=board.pk).update(last_seq=board.last_seq, updated_at=timezone.now())
    update = Update.objects.create(event_id=board.event_id, seq=board.last_seq, kind=kind, payload=payload)
    event_id, seq = board.event_id, board.last_seq
    transaction.on_commit(lambda: hub.publish(event_id, seq))
    return update


def _question(event, question_id) -> LiveQuestion:
    # No row lock needed: every change of the event holds its Board row's lock.
    question = LiveQuestion.objects.select_related("registration").filter(event=event, pk=question_id).first()
    if question is None:
        raise Refused(_("That question is not on this board."))
    return question


def _question_logged(board, question) -> None:
    question.refresh_from_db(fields=["votes"])
    _log(board, "question", {"q": question_data(question)})


# --- participants --------------------------------------------------------------------------


def _check_participant(board: Board, participant: Participant) -> None:
    if not board.is_open:
        raise Refused(_("The board is closed: it takes no questions or votes now."))
    if participant.anonymous and not board.allow_anonymous:
        raise Refused(_("Open the board through the personal link in your registration email to take part."))


def post_question(event, participant: Participant, text: str) -> LiveQuestion:
    """Post a question (trimmed, 1 to QUESTION_MAX_LENGTH characters) to the board."""
    text = " ".join((text or "").split())
    if not text:
        raise Refused(_("Write your question first."))
    if problem := text_problem(text):
        raise Refused(problem)
    if len(text) > QUESTION_MAX_LENGTH:
        raise Refused(_("A question may have at most %(limit)d characters; yours has %(n)d.")
                      % {"limit": QUESTION_MAX_LENGTH, "n": len(text)})
    with transaction.atomic():
        board = _locked_board(event)
        _check_participant(board, participant)
        question = LiveQuestion.objects.create(event=event, registration=participant.registration,
                                               author_key=participant.key, text=text)
        _log(board, "question", {"q": question_data(question)})
    return question


def vote(event, participant: Participant, question_id: int) -> LiveQuestion:
    """One upvote of another's question: once per participant, never one's own."""
    with transaction.atomic():
        board = _locked_board(event)
        _check_participant(board, participant)
        question = _question(event, question_id)
        if question.hidden:
            raise Refused(_("That question is not on this board."))
        if question.author_key == participant.key:
            raise Refused(_("You cannot vote for your own question."))
        if question.answered:
            raise Refused(_("That question has been answered already."))
        try:
            with transaction.atomic():
                Vote.objects.create(question=question, voter_key=participant.key)
        except IntegrityError:
            raise Refused(_("You have voted for this question already.")) from None
        LiveQuestion.objects.filter(pk=question.pk).update(votes=F("votes") + 1)
        _question_logged(board, question)
    return question


def voted_ids(event, participant: Participant | None) -> set[int]:
    if participant is None:
        return set()
    return set(Vote.objects.filter(question__event=event, voter_key=participant.key)
               .values_list("question_id", flat=True))


def raise_hand(event, participant: Participant) -> Hand:
    """Put the participant's hand up, at the end of the queue (once at a time)."""
    if participant.anonymous:
        raise Refused(_("Open the board through the personal link in your registration email to raise "
                        "your hand."))
    with transaction.atomic():
        board = _locked_board(event)
        if not board.hands_enabled:
            raise Refused(_("Raising hands is switched off for now."))
        if Hand.objects.filter(event=event, registration=participant.registration,
                               status__in=[HandStatus.RAISED, HandStatus.CALLED]).exists():
            raise Refused(_("Your hand is raised already."))
        hand = Hand.objects.create(event=event, registration=participant.registration)
        _log(board, "hand", {"hand": hand_data(hand)})
    return hand


def lower_own_hand(event, participant: Participant) -> Hand | None:
    """The participant lowers their own hand (nothing happens when it is not up)."""
    if participant.anonymous:
        return None
    with transaction.atomic():
        board = _locked_board(event)
        hand = (Hand.objects.select_related("registration")
                .filter(event=event, registration=participant.registration,
                        status__in=[HandStatus.RAISED, HandStatus.CALLED]).first())
        if hand is None:
            return None
        _move_hand(board, hand, HandStatus.LOWERED, by="participant")
    return hand


def own_hand(event, participant: Participant | None) -> Hand | None:
    if participant is None or participant.anonymous:
        return None
    return (Hand.objects.filter(event=event, registration=participant.registration,
                                status__in=[HandStatus.RAISED, HandStatus.CALLED]).first())


def hand_queue(event) -> list[Hand]:
    """Raised and called hands, in order of arrival."""
    return list(Hand.objects.select_related("registration")
                .filter(event=event, status__in=[HandStatus.RAISED, HandStatus.CALLED]).order_by("id"))


def _move_hand(board, hand: Hand, status: str, *, by: str = "moderator") -> None:
    if status not in HAND_TRANSITIONS[HandStatus(hand.status)]:
        raise Refused(_("That hand cannot change that way."))
    now = timezone.now()
    hand.status = status
    if status == HandStatus.CALLED:
        hand.called_at = now
    else:
        hand.lowered_at = now
        hand.lowered_by = by
    hand.save(update_fields=["status", "called_at", "lowered_at", "lowered_by"])
    _log(board, "hand", {"hand": hand_data(hand)})


# --- the moderator --------------------------------------------------------------------------


def moderate_question(event, question_id: int, action: str, *, request=None) -> LiveQuestion:
    """show (on screen; the one shown before leaves it), unshow, answer, hide or restore."""
    with transaction.atomic():
        board = _locked_board(event)
        question = _question(event, question_id)
        if action == "show":
            if question.hidden:
                raise Refused(_("Restore the question before showing it."))
            for other in LiveQuestion.objects.select_related("registration").filter(
                    event=event, on_screen=True).exclude(pk=question.pk):
                other.on_screen = False
                other.save(update_fields=["on_screen"])
                _question_logged(board, other)
            question.on_screen = True
        elif action == "unshow":
            question.on_screen = False
        elif action == "answer":
            if question.hidden:
                raise Refused(_("Restore the question before marking it answered."))
            question.answered_at = question.answered_at or timezone.now()
            question.on_screen = False
        elif action == "reopen":
            question.answered_at = None
        elif action == "hide":
            question.hidden = True
            question.on_screen = False
        elif action == "restore":
            question.hidden = False
        else:
            raise Refused(_("Unknown action."))
        question.save(update_fields=["on_screen", "answered_at", "hidden"])
        _question_logged(board, question)
        audit.record(f"live.question.{action}", library=event.library, obj=question, request=request,
                     event=event.pk)
    return question


def call_next(event, *, request=None) -> Hand | None:
    """Lower the hands that were called, and call the first raised hand (None when none is up)."""
    with transaction.atomic():
        board = _locked_board(event)
        for hand in Hand.objects.select_related("registration").filter(event=event, status=HandStatus.CALLED):
            _move_hand(board, hand, HandStatus.LOWERED)
        hand = (Hand.objects.select_related("registration")
                .filter(event=event, status=HandStatus.RAISED).order_by("id").first())
        if hand is not None:
            _move_hand(board, hand, HandStatus.CALLED)
            audit.record("live.hand.called", library=event.library, obj=hand, request=request, event=event.pk)
    return hand


def lower_hand(event, hand_id: int, *, request=None) -> Hand:
    """The moderator lowers one raised or called hand."""
    with transaction.atomic():
        board = _locked_board(event)
        hand = Hand.objects.select_related("registration").filter(event=event, pk=hand_id).first()
        if hand is None:
            raise Refused(_("That hand is not in this queue."))
        if hand.status == HandStatus.LOWERED:
            return hand
        _move_hand(board, hand, HandStatus.LOWERED)
        audit.record("live.hand.lowered", library=event.library, obj=hand, request=request, event=event.pk)
    return hand


def lower_all(event, *, request=None) -> int:
    """Lower every raised and called hand; how many were up."""
    with transaction.atomic():
        board = _locked_board(event)
        hands = list(Hand.objects.select_related("registration")
                     .filter(event=event, status__in=[HandStatus.RAISED, HandStatus.CALLED]).order_by("id"))
        for hand in hands:
            _move_hand(board, hand, HandStatus.LOWERED)
        audit.record("live.hand.lowered_all", library=event.library, request=request, event=event.pk,
                     count=len(hands))
    return len(hands)


SETTINGS_FIELDS = ("is_open", "allow_anonymous", "hands_enabled")


def update_settings(event, *, request=None, **values) -> Board:
    """Change the board's switches (open, anonymous questions, hands); screens reload."""
    with transaction.atomic():
        board = _locked_board(event)
        changed = {k: bool(v) for k, v in values.items() if k in SETTINGS_FIELDS and getattr(board, k) != bool(v)}
        if not changed:
            return board
        for key, value in changed.items():
            setattr(board, key, value)
        board.save(update_fields=[*changed, "updated_at"])
        _log(board, "board", {"board": {k: getattr(board, k) for k in SETTINGS_FIELDS}})
        audit.record("live.board.settings", library=event.library, obj=event, request=request, **changed)
    return board


def erase_event_log(sender, event, now, **kwargs):
    """The event's retention ended: the update log (it carries askers' first names) and the
    hands go; questions stay as the session's record, their askers already erased.
    Connected to sapa.events.erasure.event_erased."""
    Update.objects.filter(event=event).delete()
    Hand.objects.filter(event=event).delete()


def erase_participant(sender, registration, now, **kwargs):
    """A participant's data was erased: their questions keep no words (hidden, the votes
    stay for the counts) and the board's log keeps neither their words nor their name.
    The log is rewritten in place, not cut: screens rely on its numbers having no gaps.
    Connected to sapa.events.erasure.registration_erased."""
    questions = set(LiveQuestion.objects.filter(registration=registration).values_list("pk", flat=True))
    hands = set(Hand.objects.filter(registration=registration).values_list("pk", flat=True))
    LiveQuestion.objects.filter(pk__in=questions).update(text="", hidden=True, on_screen=False)
    for question in LiveQuestion.objects.filter(pk__in=questions):
        audit.scrub_object(question, label=question.audit_label())
    if (not questions and not hands) or kwargs.get("event_wide"):
        return  # at retention erase_event_log deletes the whole log
    for update in Update.objects.filter(event_id=registration.event_id, kind__in=("question", "hand")):
        item = update.payload.get("q") or update.payload.get("hand") or {}
        mine = item.get("id") in (questions if "q" in update.payload else hands)
        if mine and (item.get("text") or item.get("name")):
            item.pop("text", None)
            item["name"] = ""
            Update.objects.filter(pk=update.pk).update(payload=update.payload)
