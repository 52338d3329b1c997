"""Staff pages of door prizes: prizes and variants, draw rounds (prepare, draw, present),
winners and their shipping, exports.

Staff run the draw and track shipping (the front desk's work during and after
the session); editors and admins define the prizes and export the shipping
list (addresses and phone numbers: personal data, kept to few hands). Every
object comes through request.library.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sapa.events.tenancy import event_view
from sapa.libraries.models import Role
from sapa.prizes import exports, services
from sapa.prizes.forms import DrawForm, PrizeForm, ShippingForm
from sapa.prizes.models import Draw, DrawState, Prize, Winner


def _draw(event, draw_id) -> Draw:
    return get_object_or_404(Draw.objects.select_related("event__library"), pk=draw_id, event=event)


def _back(request, event):
    return redirect("prizes-event", slug=request.library.slug, event_id=event.pk)


@event_view(Role.STAFF)
def event_prizes(request, event):
    """The prizes, what is left, the rounds, and the form to prepare the next one."""
    prizes = list(event.prizes.prefetch_related("variants"))
    left = {}
    for prize in services.available_slots(event):
        left[prize.pk] = left.get(prize.pk, 0) + 1
    for prize in prizes:
        prize.units = services.prize_units(prize)
        prize.left = left.get(prize.pk, 0)
    draws = list(event.draws.order_by("round"))
    pending = next((d for d in draws if d.state == DrawState.PREPARED), None)
    return render(request, "prizes/staff/event.html", {
        "event": event, "prizes": prizes, "draws": draws, "pending": pending,
        "draw_form": DrawForm(), "slots_left": sum(left.values()),
        "can_edit": request.membership.has_role(Role.EDITOR), "summary": services.summary(event),
    })


@event_view(Role.EDITOR)
def prize_form(request, event, prize_id=None):
    prize = get_object_or_404(Prize, pk=prize_id, event=event) if prize_id else None
    form = PrizeForm(request.POST or None, instance=prize)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_prize(event, form, request=request)
        except services.PrizeError as error:
            form.add_error("variants_text", error.message)
        else:
            messages.success(request, _("The prize has been saved."))
            return _back(request, event)
    return render(request, "prizes/staff/prize_form.html", {"event": event, "form": form, "prize": prize},
                  status=400 if request.method == "POST" else 200)


@event_view(Role.EDITOR)
@require_POST
def prize_delete(request, event, prize_id):
    prize = get_object_or_404(Prize, pk=prize_id, event=event)
    try:
        services.delete_prize(prize, request=request)
        messages.success(request, _("The prize has been removed."))
    except services.PrizeError as error:
        messages.error(request, error.message)
    return _back(request, event)


@event_view(Role.STAFF)
@require_POST
def draw_prepare(request, event):
    form = DrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the draw's settings: %(errors)s") % {
            "errors": "; ".join(str(e) for errors in form.errors.values() for e in errors)})
        return _back(request, event)
    data = form.cleaned_data
    try:
        draw = services.prepare_draw(
            event, winners_count=data["winners_count"], require_attended=data["require_attended"],
            min_minutes=data["min_minutes"], require_survey=data["require_survey"],
            exclude_staff=data["exclude_staff"], one_prize_per_person=data["one_prize_per_person"],
            claim_days=data["claim_days"], tracks=data["tracks"] or None, request=request)
    except services.PrizeError as error:
        messages.error(request, error.message)
        return _back(request, event)
    messages.success(request, _("Round %(n)d is prepared: its commitment and entries are public. "
                                "Share the public page before you draw.") % {"n": draw.round})
    return redirect("prizes-draw", slug=request.library.slug, event_id=event.pk, draw_id=draw.pk)


@event_view(Role.STAFF)
def draw_detail(request, event, draw_id):
    draw = _draw(event, draw_id)
    winners = list(draw.winners.select_related("registration", "prize", "variant").order_by("position"))
    return render(request, "prizes/staff/draw.html", {
        "event": event, "draw": draw, "winners": winners, "public_url": services.public_url(draw),
    })


@event_view(Role.STAFF)
@require_POST
def draw_run(request, event, draw_id):
    draw = _draw(event, draw_id)
    draw, drew = services.run_draw(draw, request=request)
    if not drew:
        messages.info(request, _("This round had already been drawn; here is its result."))
    target = "prizes-present" if request.POST.get("present") else "prizes-draw"
    return redirect(target, slug=request.library.slug, event_id=event.pk, draw_id=draw.pk)


@event_view(Role.STAFF)
def present(request, event, draw_id):
    """Full screen for screen sharing: the commitment, then the winners one at a time (?shown=k)."""
    draw = _draw(event, draw_id)
    data = services.public_data(draw)
    winners = data.get("winners", [])
    try:
        shown = max(0, min(int(request.GET.get("shown", "0")), len(winners)))
    except ValueError:
        shown = 0
    return render(request, "prizes/staff/present.html", {
        "event": event, "draw": draw, "data": data, "revealed": winners[:shown], "shown": shown,
        "next": shown + 1 if shown < len(winners) else None, "total": len(winners),
        "latest": winners[shown - 1] if shown else None, "public_url": services.public_url(draw),
    })


@event_view(Role.STAFF)
def winners(request, event):
    rows = Winner.objects.filter(draw__event=event).select_related("registration", "prize", "variant", "draw") \
        .order_by("draw__round", "position")
    return render(request, "prizes/staff/winners.html", {
        "event": event, "winners": rows, "can_edit": request.membership.has_role(Role.EDITOR),
        "shipping_form": ShippingForm(),
    })


def _winner(event, winner_id) -> Winner:
    return get_object_or_404(Winner.objects.select_related("draw__event__library"), pk=winner_id,
                             draw__event=event)


@event_view(Role.STAFF)
@require_POST
def winner_ship(request, event, winner_id):
    winner = _winner(event, winner_id)
    form = ShippingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the courier and the tracking number."))
    else:
        try:
            services.mark_shipped(winner, request=request, **form.cleaned_data)
            messages.success(request, _("Marked as shipped."))
        except services.PrizeError as error:
            messages.error(request, error.message)
    return redirect("prizes-winners", slug=request.library.slug, event_id=event.pk)


@event_view(Role.STAFF)
@require_POST
def winner_delivered(request, event, winner_id):
    winner = _winner(event, winner_id)
    try:
        services.mark_delivered(winner, request=request)
        messages.success(request, _("Marked as delivered."))
    except services.PrizeError as error:
        messages.error(request, error.message)
    return redirect("prizes-winners", slug=request.library.slug, event_id=event.pk)


@event_view(Role.EDITOR)
def winners_export(request, event):
    try:
        return exports.export_response(event, request.GET.get("format", "csv"), request=request)
    except ValueError:
        raise Http404 from None
