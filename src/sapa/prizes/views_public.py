"""Public pages of the prizes: the draw page (and its JSON) anyone can check, and the claim form."""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from sapa.prizes import services
from sapa.prizes.forms import ClaimForm
from sapa.prizes.models import Draw, WinnerState


def _draw(public_id) -> Draw:
    return get_object_or_404(Draw.objects.select_related("event__library"), public_id=public_id)


@require_GET
def draw_page(request, public_id):
    """The round's published data: rules, commitment, entries; after the draw the seed and winners."""
    draw = _draw(public_id)
    data = services.public_data(draw)
    mine = (request.GET.get("entry") or "").strip().lower()
    return render(request, "prizes/public/draw.html", {
        "draw": draw, "event": draw.event, "library": draw.event.library, "data": data,
        "json_url": request.build_absolute_uri(f"{request.path}data.json"),
        "mine": mine if mine in set(data["entries"]) else "", "asked": bool(mine),
    })


@require_GET
def draw_json(request, public_id):
    draw = _draw(public_id)
    body = json.dumps(services.public_data(draw), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def claim(request, public_id, token):
    """The winner's claim form: address, phone, variant; after it, where the parcel is."""
    winner = services.winner_by_token(public_id, token)
    if winner is None:
        raise Http404
    event = winner.draw.event
    variants = services.variant_choices(winner.prize)
    form = None
    error = None
    status = 200
    if winner.state == WinnerState.NOTIFIED and not _late(winner):
        form = ClaimForm(request.POST or None, variants=variants,
                         initial={"recipient": winner.registration.name})
        if request.method == "POST":
            if form.is_valid():
                data = dict(form.cleaned_data)
                variant = data.pop("variant", None)
                try:
                    services.claim(winner, variant=variant, **data)
                except services.PrizeError as refused:
                    error = refused.message
                    status = 409
                else:
                    return redirect(request.path)
            else:
                status = 400
    elif request.method == "POST":
        status = 409
    return render(request, "prizes/public/claim.html", {
        "winner": winner, "event": event, "library": event.library, "form": form, "error": error,
        "late": winner.state == WinnerState.NOTIFIED and _late(winner),
    }, status=status)


def _late(winner) -> bool:
    return timezone.now() >= winner.claim_deadline
