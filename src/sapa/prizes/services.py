"""The rules of door prizes: eligibility, verifiable draws, claims and shipping.

A draw round (see docs/draw-algorithm.md and sapa.prizes.draw):

1. prepare_draw(): computes the eligible registrations under the round's rules,
   publishes their salted hashes (sorted) and the commitment SHA-256(seed) of a
   fresh secret seed, and the list of prizes in the order winners get them;
2. run_draw(): once, under the draw's row lock, selects the winners as a
   deterministic function of the seed and the published list, and reveals the
   seed. A second click (or a racing one) finds the round DRAWN and changes
   nothing: one round, one result.

Winners are emailed a claim link (outbox, once each). A winner who does not
claim by the deadline becomes UNCLAIMED and the prize is free for a new round,
from which earlier winners are excluded.
"""

import hmac
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sapa.attendance.services import attended_registration_ids, minutes_by_registration
from sapa.events.models import Event, Registration, RegistrationStatus, Track, all_tracks
from sapa.events.notices import notice
from sapa.libraries import audit
from sapa.libraries.models import Membership
from sapa.mail.services import queue_rendered_later, render_templated
from sapa.prizes import draw as algorithm
from sapa.prizes.models import Draw, DrawEntry, DrawState, Prize, PrizeVariant, Winner, WinnerState
from sapa.survey.services import respondent_registration_ids


class PrizeError(Exception):
    """A refused action; `message` is for the person who tried it."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


DRAW_TRANSITIONS = {DrawState.PREPARED: {DrawState.DRAWN}, DrawState.DRAWN: set()}
WINNER_TRANSITIONS = {
    WinnerState.NOTIFIED: {WinnerState.CLAIMED, WinnerState.UNCLAIMED},
    WinnerState.CLAIMED: {WinnerState.SHIPPED},
    WinnerState.SHIPPED: {WinnerState.DELIVERED},
    WinnerState.DELIVERED: set(),
    WinnerState.UNCLAIMED: set(),
}


def _check_transition(table, current, target, message):
    if target not in table[current]:
        raise PrizeError("transition", message)


# --- Prizes and their stock ---------------------------------------------------------------


def prize_units(prize: Prize) -> int:
    """How many of this prize there are: the variants' stock, or the quantity."""
    variants = list(prize.variants.all())
    return sum(v.stock for v in variants) if variants else prize.quantity


def available_slots(event: Event) -> list[Prize]:
    """The prizes still to give, one item per unit, in the order winners get them:
    by prize order, then id. A unit is taken by a winner who has not forfeited it."""
    taken = dict(Winner.objects.filter(draw__event=event).exclude(state=WinnerState.UNCLAIMED)
                 .values_list("prize_id").annotate(n=Count("id")).order_by())
    slots = []
    for prize in event.prizes.prefetch_related("variants"):
        slots.extend([prize] * max(prize_units(prize) - taken.get(prize.pk, 0), 0))
    return slots


def variant_choices(prize: Prize) -> list[tuple[PrizeVariant, int]]:
    """(variant, units left) of a prize; a unit is held by a claimed, shipped or delivered winner."""
    held = dict(Winner.objects.filter(prize=prize, variant__isnull=False).exclude(
        state=WinnerState.UNCLAIMED).values_list("variant_id").annotate(n=Count("id")).order_by())
    return [(v, max(v.stock - held.get(v.pk, 0), 0)) for v in prize.variants.all()]


# --- Eligibility ----------------------------------------------------------------------------


def staff_emails(library) -> set[str]:
    """The lowercased emails of the library's staff (any role)."""
    return {e.strip().lower() for e in Membership.objects.filter(library=library)
            .values_list("user__email", flat=True)}


def eligible_registrations(event: Event, *, require_attended=True, min_minutes=None, require_survey=False,
                           exclude_staff=True, one_prize_per_person=True, tracks=None) -> list[Registration]:
    """The registrations that may win under these rules, by id.

    Always: a confirmed registration (a seat, or the stream; `tracks` says which, both by
    default) whose data is not erased. Then, each when
    asked: attended (the event's attendance rule), attended at least N minutes,
    answered the survey, not a member of the library's staff (by email), and
    no prize won in an earlier round of this event. Someone who let an earlier
    prize go unclaimed is never eligible again for this event.
    """
    tracks = all_tracks() if tracks is None else tracks
    statuses = [status for track, status in ((Track.SEAT, RegistrationStatus.CONFIRMED),
                                             (Track.STREAM, RegistrationStatus.STREAM)) if track in tracks]
    rows = event.registrations.filter(status__in=statuses, anonymized_at__isnull=True)
    ids = set(rows.values_list("id", flat=True))
    if require_attended:
        ids &= attended_registration_ids(event)
    if min_minutes:
        minutes = minutes_by_registration(event)
        ids = {i for i in ids if minutes.get(i, 0) >= min_minutes}
    if require_survey:

        ids &= respondent_registration_ids(event)
    earlier = Winner.objects.filter(draw__event=event)
    if not one_prize_per_person:
        earlier = earlier.filter(state=WinnerState.UNCLAIMED)
    ids -= set(earlier.values_list("registration_id", flat=True))
    registrations = [r for r in rows.filter(id__in=ids).order_by("id")]
    if exclude_staff:
        staff = staff_emails(event.library)
        registrations = [r for r in registrations if r.email_normalized not in staff]
    return registrations


# --- The draw ---------------------------------------------------------------------------


def prepare_draw(event: Event, *, winners_count: int | None = None, require_attended=True,
                 min_minutes=None, require_survey=False, exclude_staff=True, one_prize_per_person=True,
                 claim_days=7, tracks=None, request=None, now=None) -> Draw:
    """Prepare the next round: the eligible list and the commitment, published.

    Refused while another round waits to be drawn, when no prize is left, or
    when nobody is eligible. The number of winners is at most the prizes left
    and the people eligible.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if Draw.objects.filter(event=locked, state=DrawState.PREPARED).exists():
            raise PrizeError("pending", _("A prepared round is waiting to be drawn. Draw it first."))
        slots = available_slots(locked)
        if not slots:
            raise PrizeError("no_prizes", _("No prize is left to draw."))
        people = eligible_registrations(
            locked, require_attended=require_attended, min_minutes=min_minutes, require_survey=require_survey,
            exclude_staff=exclude_staff, one_prize_per_person=one_prize_per_person, tracks=tracks)
        if not people:
            raise PrizeError("nobody", _("Nobody is eligible under these rules."))
        n = min(winners_count or len(slots), len(slots), len(people))
        if n < 1:
            raise PrizeError("count", _("Draw at least one winner."))
        seed, salt = algorithm.new_seed(), algorithm.new_salt()
        # Random per round: the published list cannot be mapped back to registration ids.
        entries = {r.pk: algorithm.new_entry() for r in people}
        last = Draw.objects.filter(event=locked).order_by("-round").values_list("round", flat=True).first()
        draw = Draw.objects.create(
            event=locked, round=(last or 0) + 1, state=DrawState.PREPARED,
            require_attended=require_attended, min_minutes=min_minutes or None, require_survey=require_survey,
            exclude_staff=exclude_staff, one_prize_per_person=one_prize_per_person,
            tracks=list(all_tracks() if tracks is None else tracks),
            seed=seed, commitment=algorithm.commitment(seed), salt=salt,
            entries=sorted(entries.values()), prize_slots=[p.pk for p in slots[:n]],
            winners_count=n, claim_days=claim_days, prepared_at=now,
            prepared_by=getattr(request, "user", None) if request and request.user.is_authenticated else None,
        )
        DrawEntry.objects.bulk_create([DrawEntry(draw=draw, registration_id=pk, entry=h)
                                       for pk, h in entries.items()])
        audit.record("draw.prepared", library=locked.library, obj=locked, request=request, round=draw.round,
                     entries=len(entries), winners=n, commitment=draw.commitment)
    return draw


def run_draw(draw: Draw, *, request=None, now=None) -> tuple[Draw, bool]:
    """Draw the winners of a prepared round, once. Returns (draw, True) when this call drew it,
    (draw, False) when it had been drawn already (a second or racing click): one result."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Draw.objects.select_for_update().select_related("event__library").get(pk=draw.pk)
        if locked.state == DrawState.DRAWN:
            return locked, False
        _check_transition(DRAW_TRANSITIONS, locked.state, DrawState.DRAWN, _("This round cannot be drawn."))
        chosen = algorithm.select(locked.seed, locked.entries, locked.winners_count, locked.round)
        by_entry = dict(DrawEntry.objects.filter(draw=locked).values_list("entry", "registration_id"))
        prizes = {p.pk: p for p in Prize.objects.filter(pk__in=locked.prize_slots)}
        deadline = now + timedelta(days=locked.claim_days)
        winners = Winner.objects.bulk_create([
            Winner(draw=locked, position=k, registration_id=by_entry[entry], entry=entry,
                   prize=prizes[locked.prize_slots[k - 1]], claim_deadline=deadline)
            for k, entry in enumerate(chosen, start=1)
        ])
        updated = Draw.objects.filter(pk=locked.pk, state=DrawState.PREPARED).update(
            state=DrawState.DRAWN, drawn_at=now,
            drawn_by=request.user if request is not None and request.user.is_authenticated else None)
        if updated != 1:  # cannot happen under the lock; never keep a second result
            raise IntegrityError("draw state changed under the lock")
        for winner in Winner.objects.filter(draw=locked).order_by("position"):
            _queue_winner_mail(winner, locked.event.library_id)
        audit.record("draw.drawn", library=locked.event.library, obj=locked.event, request=request,
                     round=locked.round, winners=len(winners), seed=locked.seed)
    locked.refresh_from_db()
    return locked, True


def _queue_winner_mail(winner: Winner, library_id: int) -> None:
    """The winner's email with the claim link, queued in the draw's transaction, sent once."""
    dedupe = f"prize-winner:{winner.pk}"
    if queue_rendered_later("prizes.winner", {"winner_id": winner.pk}, library_id=library_id,
                            dedupe_key=dedupe) is not None:
        # Other apps (WhatsApp) tell the winner too, in the draw's transaction.
        notice.send(Winner, kind="prize_won", library_id=library_id, registration_id=winner.registration_id,
                    public_id=str(winner.registration.public_id), dedupe=dedupe)


def short_name(name: str) -> str:
    """"Dewi Sartika Putri" → "Dewi P.": the first name and the last name's initial."""
    words = (name or "").split()
    if not words:
        return "—"
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[-1][0].upper()}."


def prize_label(prize: Prize) -> str:
    return prize.name


def public_data(draw: Draw) -> dict:
    """What the public page publishes, as JSON: never the seed before the draw, never personal data
    beyond the winners' shortened names."""
    event = draw.event
    prizes = {p.pk: prize_label(p) for p in Prize.objects.filter(pk__in=draw.prize_slots)}
    data = {
        "format": "sapa-draw/1",
        "algorithm": "docs/draw-algorithm.md",
        "event": event.title,
        "library": event.library.name,
        "round": draw.round,
        "state": draw.state,
        "prepared_at": draw.prepared_at.isoformat(),
        "rules": {
            "registered": True, "attended": draw.require_attended, "min_minutes": draw.min_minutes,
            "answered_survey": draw.require_survey, "not_staff": draw.exclude_staff,
            "one_prize_per_person": draw.one_prize_per_person, "tracks": list(draw.tracks),
        },
        "commitment": draw.commitment,
        "entries": list(draw.entries),
        "winners_count": draw.winners_count,
        "prizes": [prizes[pk] for pk in draw.prize_slots],
    }
    if draw.state == DrawState.DRAWN:
        data["drawn_at"] = draw.drawn_at.isoformat()
        data["seed"] = draw.seed
        data["winners"] = [
            {"position": w.position, "entry": w.entry, "name": short_name(w.registration.name),
             "prize": prizes[draw.prize_slots[w.position - 1]]}
            for w in draw.winners.select_related("registration").order_by("position")
        ]
    return data


def public_url(draw: Draw) -> str:
    return settings.BASE_URL + reverse("draw-public", args=[draw.public_id])


# --- Claims and shipping -------------------------------------------------------------------


def claim_url(winner: Winner) -> str:
    return settings.BASE_URL + reverse("prize-claim", args=[winner.public_id, winner.claim_token])


def winner_by_token(public_id, token) -> Winner | None:
    """The winner of a claim link, or None; the token compared in constant time."""
    winner = Winner.objects.select_related("draw__event__library", "prize", "registration", "variant") \
        .filter(public_id=public_id).first()
    if winner is None or not hmac.compare_digest(winner.claim_token.encode(), str(token).encode()):
        return None
    return winner


def claim(winner: Winner, *, recipient: str, phone: str, province: str, regency: str, district: str,
          street: str, postal_code: str, variant: PrizeVariant | None = None, now=None) -> Winner:
    """Record the winner's shipping address (validated by prizes.forms.ClaimForm).

    Refused after the deadline, when already claimed, or when the chosen
    variant is out of stock (checked under the prize's row lock, so two
    winners never take the last one).
    """
    now = now or timezone.now()
    with transaction.atomic():
        Prize.objects.select_for_update().get(pk=winner.prize_id)
        current = Winner.objects.select_for_update().get(pk=winner.pk)
        if current.state != WinnerState.NOTIFIED:
            raise PrizeError("claimed", _("This prize has already been claimed."))
        if now >= current.claim_deadline:
            raise PrizeError("late", _("The time to claim this prize has passed."))
        variants = dict((v.pk, left) for v, left in variant_choices(current.prize))
        if variants:
            if variant is None or variant.prize_id != current.prize_id:
                raise PrizeError("variant", _("Choose one of the options."))
            if variants.get(variant.pk, 0) < 1:
                raise PrizeError("stock", _("That option is no longer available. Choose another one."))
        else:
            variant = None
        _check_transition(WINNER_TRANSITIONS, current.state, WinnerState.CLAIMED, _("Cannot claim."))
        for key, value in {"recipient": recipient, "phone": phone, "province": province, "regency": regency,
                           "district": district, "street": street, "postal_code": postal_code}.items():
            setattr(current, key, value.strip())
        current.variant = variant
        current.state = WinnerState.CLAIMED
        current.claimed_at = now
        current.save()
        audit.record("prize.claimed", library=current.draw.event.library, obj=current,
                     round=current.draw.round, position=current.position)
    return current


def mark_shipped(winner: Winner, *, courier: str, tracking_number: str, request=None, now=None) -> Winner:
    """Staff record the parcel: claimed → shipped."""
    now = now or timezone.now()
    with transaction.atomic():
        current = Winner.objects.select_for_update().get(pk=winner.pk)
        _check_transition(WINNER_TRANSITIONS, current.state, WinnerState.SHIPPED,
                          _("Only a claimed prize can be shipped."))
        if not courier.strip() or not tracking_number.strip():
            raise PrizeError("tracking", _("Enter the courier and the tracking number."))
        current.courier, current.tracking_number = courier.strip(), tracking_number.strip()
        current.state, current.shipped_at = WinnerState.SHIPPED, now
        current.save()
        audit.record("prize.shipped", library=current.draw.event.library, obj=current, request=request,
                     courier=current.courier)
    return current


def mark_delivered(winner: Winner, *, request=None, now=None) -> Winner:
    """Staff confirm the delivery: shipped → delivered."""
    now = now or timezone.now()
    with transaction.atomic():
        current = Winner.objects.select_for_update().get(pk=winner.pk)
        _check_transition(WINNER_TRANSITIONS, current.state, WinnerState.DELIVERED,
                          _("Only a shipped prize can be delivered."))
        current.state, current.delivered_at = WinnerState.DELIVERED, now
        current.save()
        audit.record("prize.delivered", library=current.draw.event.library, obj=current, request=request)
    return current


def expire_unclaimed(now=None) -> int:
    """Winners past their claim deadline become UNCLAIMED: the prize is free for a new round."""
    now = now or timezone.now()
    done = 0
    for winner in Winner.objects.filter(state=WinnerState.NOTIFIED, claim_deadline__lte=now) \
            .select_related("draw__event__library"):
        with transaction.atomic():
            updated = Winner.objects.filter(pk=winner.pk, state=WinnerState.NOTIFIED).update(
                state=WinnerState.UNCLAIMED, unclaimed_at=now)
            if updated:
                audit.record("prize.unclaimed", library=winner.draw.event.library, obj=winner)
                done += 1
    return done


# --- Mail ---------------------------------------------------------------------------------------


def render_winner_mail(winner_id: int):
    """The outbox renderer "prizes.winner": the claim link, in the winner's language."""
    winner = Winner.objects.select_related("draw__event__library", "registration", "prize") \
        .filter(pk=winner_id).first()
    if winner is None or winner.state != WinnerState.NOTIFIED or not winner.registration.email \
            or winner.registration.anonymized_at:
        return None
    event = winner.draw.event
    return render_templated(
        to=winner.registration.email, template="prizes/email/winner",
        context={"winner": winner, "event": event, "registration": winner.registration,
                 "claim_url": claim_url(winner), "draw_url": public_url(winner.draw)},
        library=event.library, language=winner.registration.language or settings.LANGUAGE_CODE,
    )


# --- For other apps ------------------------------------------------------------------------------


def winners_for_report(event: Event) -> list[dict]:
    """The event's winners in draw order (round, then position): first name and prize. CONTRACT."""
    out = []
    for winner in Winner.objects.filter(draw__event=event, draw__state=DrawState.DRAWN) \
            .exclude(state=WinnerState.UNCLAIMED).select_related("registration", "prize", "variant") \
            .order_by("draw__round", "position"):
        words = winner.registration.name.split()
        prize = winner.prize.name + (f" ({winner.variant.name})" if winner.variant else "")
        out.append({"first_name": words[0] if words else "", "prize": prize})
    return out


def winner_of(registration: Registration) -> Winner | None:
    return Winner.objects.filter(registration=registration).exclude(state=WinnerState.UNCLAIMED) \
        .select_related("prize", "draw").order_by("-draw__round").first()


def summary(event: Event) -> dict:
    """Counts of winners by state, for the staff pages."""
    rows = dict(Winner.objects.filter(draw__event=event).values_list("state").annotate(n=Count("id"))
                .order_by())
    return {state: rows.get(state, 0) for state in WinnerState.values}



def save_prize(event: Event, form, *, request=None) -> Prize:
    """Save a PrizeForm for `event` with its variants (by name: kept, added, changed, removed).

    A variant that a winner already chose cannot be removed.
    """
    with transaction.atomic():
        prize = form.save(commit=False)
        prize.event = event
        variants = form.cleaned_data.get("variants_text") or []
        if variants:
            prize.quantity = sum(stock for _name, stock in variants)
        prize.save()
        existing = {v.name.lower(): v for v in prize.variants.all()}
        wanted = {name.lower() for name, _stock in variants}
        for gone in [v for key, v in existing.items() if key not in wanted]:
            if gone.winners.exists():
                raise PrizeError("variant_used", _("“%(name)s” was chosen by a winner and cannot be removed.")
                                 % {"name": gone.name})
            gone.delete()
        for position, (name, stock) in enumerate(variants):
            variant = existing.get(name.lower())
            if variant is None:
                PrizeVariant.objects.create(prize=prize, name=name, stock=stock, position=position)
            else:
                variant.name, variant.stock, variant.position = name, stock, position
                variant.save()
        audit.record("prize.saved", library=event.library, obj=prize, request=request,
                     quantity=prize.quantity, variants=len(variants))
    return prize


def delete_prize(prize: Prize, *, request=None) -> None:
    """Remove a prize nobody has won yet."""
    if prize.winners.exists():
        raise PrizeError("won", _("This prize has winners and cannot be removed."))
    with transaction.atomic():
        audit.record("prize.deleted", library=prize.event.library, obj=prize, request=request)
        prize.delete()


def erase_claims(sender, registration, now, **kwargs):
    """The winner's data was erased: drop the shipping address and phone, keep the prize
    and its state (the counts). Connected to sapa.events.erasure.registration_erased."""
    Winner.objects.filter(registration=registration).update(
        recipient="", phone="", province="", regency="", district="", street="", postal_code="",
        tracking_number="",
    )
