"""The prizes' part of the participant's personal page: their entry in a draw, their prize."""

from django.template.loader import render_to_string

from sapa.prizes import services
from sapa.prizes.models import DrawEntry


def participant_section(registration, request) -> str:
    """A winner sees their prize and claim link; an entrant sees their entry hash and the draw page."""
    winner = services.winner_of(registration)
    entry = DrawEntry.objects.filter(registration=registration).select_related("draw") \
        .order_by("-draw__round").first()
    if winner is None and entry is None:
        return ""
    return render_to_string("prizes/_participant_section.html", {
        "winner": winner, "entry": entry,
        "claim_url": services.claim_url(winner) if winner else "",
        "draw_url": services.public_url(entry.draw) if entry else "",
    }, request=request)
