"""The shipping list (winners with their claim and parcel) as CSV (UTF-8 with BOM) and XLSX
(sapa.core.exports); audited."""

from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sapa.core import exports
from sapa.libraries import audit
from sapa.prizes.models import Winner, WinnerState

FORMATS = ("csv", "xlsx")


def table(event) -> tuple[list[str], list[list]]:
    tz = ZoneInfo(event.time_zone)
    states = {k: str(v) for k, v in WinnerState.choices}
    header = [_("Round"), _("No."), _("Prize"), _("Variant"), _("Status"), _("Participant"), _("Email"),
              _("Recipient's name"), _("Phone"), _("Street address"), _("District (kecamatan)"),
              _("Regency or city"), _("Province"), _("Postal code"), _("Courier"), _("Tracking number"),
              _("Claimed"), _("Shipped"), _("Delivered")]

    def local(value):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    rows = []
    for w in Winner.objects.filter(draw__event=event).select_related("draw", "registration", "prize", "variant") \
            .order_by("draw__round", "position"):
        rows.append([w.draw.round, w.position, w.prize.name, w.variant.name if w.variant else "",
                     states.get(w.state, w.state), w.registration.name, w.registration.email, w.recipient,
                     w.phone, w.street, w.district, w.regency, w.province, w.postal_code, w.courier,
                     w.tracking_number, local(w.claimed_at), local(w.shipped_at), local(w.delivered_at)])
    return header, rows


def export_response(event, fmt: str, *, request=None):
    """The shipping list in `fmt` ("csv" or "xlsx"); ValueError on another format."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    header, rows = table(event)
    audit.record("prizes.shipping_exported", library=event.library, obj=event, request=request, format=fmt,
                 rows=len(rows))
    stamp = timezone.now().astimezone(ZoneInfo(event.time_zone)).strftime("%Y%m%d-%H%M")
    return exports.response(fmt, header, rows, f"pengiriman-hadiah-{slugify(event.slug)[:60]}-{stamp}",
                            sheet=_("Shipping"))
