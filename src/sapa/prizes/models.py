"""Door prizes, their variants, verifiable draws (rounds), entries and winners.

A Draw is one round of an event's draw: PREPARED (the entries and the
commitment published, the seed secret) → DRAWN (winners fixed, seed public).
A Winner goes NOTIFIED → CLAIMED → SHIPPED → DELIVERED, or NOTIFIED →
UNCLAIMED after the claim deadline (its prize is then free for a new round).
The allowed transitions are in services.WINNER_TRANSITIONS and DRAW_TRANSITIONS.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sapa.events.models import all_tracks


class Prize(models.Model):
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="prizes")
    name = models.CharField(_("prize"), max_length=150)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # Without variants: how many there are. With variants: the sum of their stock.
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("prize")
        verbose_name_plural = _("prizes")

    def __str__(self):
        return self.name


class PrizeVariant(models.Model):
    """A title of a book prize, a size of a t-shirt: each with its own stock."""

    prize = models.ForeignKey(Prize, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(_("variant"), max_length=100)
    stock = models.PositiveIntegerField(_("stock"), default=1)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["prize", "name"], name="one_variant_name_per_prize")]

    def __str__(self):
        return f"{self.prize.name} — {self.name}"


class DrawState(models.TextChoices):
    PREPARED = "prepared", _("Prepared (commitment published)")
    DRAWN = "drawn", _("Drawn")


def _public_id():
    return secrets.token_urlsafe(12)


class Draw(models.Model):
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="draws")
    round = models.PositiveSmallIntegerField(_("round"))
    # The public page's address; not guessable, not the database id.
    public_id = models.CharField(max_length=32, unique=True, default=_public_id, editable=False)
    state = models.CharField(max_length=10, choices=DrawState.choices, default=DrawState.PREPARED)
    # Eligibility rules (registered = a confirmed registration, always).
    require_attended = models.BooleanField(_("attended"), default=True)
    min_minutes = models.PositiveIntegerField(_("attended at least (minutes)"), null=True, blank=True)
    require_survey = models.BooleanField(_("answered the survey"), default=False)
    exclude_staff = models.BooleanField(_("not the library's staff"), default=True)
    one_prize_per_person = models.BooleanField(_("one prize per person"), default=True)
    # Who may win: those with a seat, those watching the stream, or both (events.Track).
    tracks = models.JSONField(_("participants on"), default=all_tracks)
    # The secret until the draw; never shown before state DRAWN.
    seed = models.CharField(max_length=64, editable=False)
    commitment = models.CharField(max_length=64, editable=False)
    salt = models.CharField(max_length=32, editable=False)
    # The published, sorted entry hashes and the prize list (labels, in order).
    entries = models.JSONField(default=list, editable=False)
    prize_slots = models.JSONField(default=list, editable=False)
    winners_count = models.PositiveIntegerField(_("number of winners"))
    claim_days = models.PositiveSmallIntegerField(_("days to claim"), default=7)
    prepared_at = models.DateTimeField()
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    drawn_at = models.DateTimeField(null=True, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+")

    class Meta:
        ordering = ["event", "round"]
        constraints = [models.UniqueConstraint(fields=["event", "round"], name="one_draw_per_round")]

    def __str__(self):
        return f"{self.event} — {self.round}"

    @property
    def is_drawn(self):
        return self.state == DrawState.DRAWN


class DrawEntry(models.Model):
    """Which registration stands behind which published hash (kept private)."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="entry_rows")
    registration = models.ForeignKey("events.Registration", on_delete=models.CASCADE, related_name="+")
    entry = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["draw", "registration"], name="one_entry_per_registration"),
            models.UniqueConstraint(fields=["draw", "entry"], name="distinct_entries"),
        ]

    def __str__(self):
        return self.entry


class WinnerState(models.TextChoices):
    NOTIFIED = "notified", _("Waiting for the claim")
    CLAIMED = "claimed", _("Claimed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    UNCLAIMED = "unclaimed", _("Not claimed in time")


def _claim_token():
    return secrets.token_urlsafe(24)


class Winner(models.Model):
    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="winners")
    position = models.PositiveSmallIntegerField()  # 1 = drawn first
    registration = models.ForeignKey("events.Registration", on_delete=models.CASCADE,
                                     related_name="prize_wins")
    entry = models.CharField(max_length=64)
    prize = models.ForeignKey(Prize, on_delete=models.PROTECT, related_name="winners")
    variant = models.ForeignKey(PrizeVariant, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="winners", verbose_name=_("variant"))
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim_token = models.CharField(max_length=64, default=_claim_token, editable=False)
    state = models.CharField(max_length=10, choices=WinnerState.choices, default=WinnerState.NOTIFIED,
                             db_index=True)
    claim_deadline = models.DateTimeField()
    # The claim: where to send it.
    recipient = models.CharField(_("recipient's name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    province = models.CharField(_("province"), max_length=60, blank=True)
    regency = models.CharField(_("regency or city"), max_length=100, blank=True)
    district = models.CharField(_("district (kecamatan)"), max_length=100, blank=True)
    street = models.CharField(_("street address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    courier = models.CharField(_("courier"), max_length=60, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    unclaimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["draw__round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "position"], name="one_winner_per_position"),
            models.UniqueConstraint(fields=["draw", "registration"], name="one_win_per_round"),
        ]

    def __str__(self):
        return f"{self.position}. {self.prize}"
