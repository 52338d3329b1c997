"""The event dashboard's charts: each one's data, its SVG and PNG, and its CSV."""

from django.utils.translation import gettext as _

from sapa.core import timefmt
from sapa.promotion import charts, flyers, stats

CHART_KEYS = ("over-time", "channels", "categories", "institutions", "provinces")


def _color(event) -> str:
    rgb = flyers.hex_rgb(event.library.primary_color)
    if flyers.contrast(rgb, flyers.WHITE) < 3:  # too light for bars on white
        rgb = flyers.mix(rgb, flyers.INK, 0.5)
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def chart(event, key: str) -> charts.Chart:
    color = _color(event)
    if key == "over-time":
        def label(moment):
            return timefmt.local(moment, event.time_zone).strftime("%d/%m/%Y %H.%M ") + \
                timefmt.zone_abbreviation(event.time_zone)

        result = charts.cumulative(key, _("Registrations over time"), stats.over_time(event), event.capacity,
                                   color, [_("Time"), _("Registrations (cumulative)")], label)
        hours = stats.full_after_hours(event)
        result.description = (_("Full after %(hours)s hours.") % {"hours": f"{hours:.1f}".replace(".", ",")}
                              if hours is not None else _("Not full."))
        return result
    if key == "channels":
        rows = [(r.label, r.clicks, r.registrations,
                 f"{r.conversion * 100:.1f}%".replace(".", ",") if r.conversion is not None else "")
                for r in stats.by_channel(event)]
        return charts.pairs(key, _("Clicks and registrations by channel"), rows, color,
                            [_("Channel"), _("Clicks (people)"), _("Registrations"), _("Conversion")],
                            (_("Clicks (people)"), _("Registrations")))
    if key == "categories":
        return charts.bars(key, _("Registrations by category"), stats.by_category(event), color,
                           [_("Category"), _("Registrations")])
    if key == "institutions":
        return charts.bars(key, _("Top institutions"), stats.by_institution(event), color,
                           [_("Institution"), _("Registrations")])
    if key == "provinces":
        return charts.bars(key, _("Registrations by province"), stats.by_province(event), color,
                           [_("Province"), _("Registrations")])
    raise KeyError(key)
