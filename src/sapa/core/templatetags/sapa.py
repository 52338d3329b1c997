from django import template
from django.apps import apps
from django.urls import reverse
from django.utils.safestring import mark_safe

from sapa.core import timefmt

register = template.Library()


@register.filter
def when(dt, tz_name="Asia/Jakarta"):
    """{{ event.starts_at|when:event.time_zone }} → "Selasa, 21 Juli 2020, 09.00 WIB"."""
    return timefmt.format_datetime(dt, tz_name) if dt else ""


@register.filter
def day(dt, tz_name="Asia/Jakarta"):
    return timefmt.format_date(dt, tz_name) if dt else ""


@register.filter
def before_period(text):
    """A name that ends a sentence: "Siti, S.IP." + "." must not read "S.IP.."."""
    return str(text).rstrip().removesuffix(".") if text else ""


@register.simple_tag
def when_range(start, end, tz_name="Asia/Jakarta"):
    return timefmt.format_range(start, end, tz_name)


@register.filter
def audit_data(data):
    """An audit entry's details as "fields: city, name; role: editor"."""
    if not isinstance(data, dict):
        return str(data)
    parts = []
    for key, value in data.items():
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


# --- hooks through which the later apps add to pages the events app owns --------
# (docs/decisions.md, "App hooks"). Each app declares them on its AppConfig.


@register.simple_tag(takes_context=True)
def event_tools(context, event):
    """Links of the other apps on an event's staff pages: AppConfig.event_nav.

    An entry is (weight, label, url_name, minimum role); the URL is reversed
    with the library's slug and the event's id. Returns [{"label", "url", "key"}].
    """
    membership = context.get("current_membership")
    library = context.get("current_library")
    if membership is None or library is None:
        return []
    items = []
    for config in apps.get_app_configs():
        for weight, label, url_name, role in getattr(config, "event_nav", ()):
            if not membership.has_role(role):
                continue
            url = reverse(url_name, kwargs={"slug": library.slug, "event_id": event.pk})
            items.append((weight, {"label": label, "url": url, "key": config.label}))
    items.sort(key=lambda pair: pair[0])
    return [item for _, item in items]


@register.simple_tag(takes_context=True)
def participant_sections(context, registration):
    """Sections of the other apps on a participant's personal page.

    Each AppConfig may define participant_section(registration, request) returning
    HTML (already escaped, e.g. render_to_string) or "" when it has nothing to show.
    """
    request = context.get("request")
    parts = []
    for config in apps.get_app_configs():
        hook = getattr(config, "participant_section", None)
        if hook is not None:
            html = hook(registration, request)
            if html:
                parts.append(str(html))
    return mark_safe("\n".join(parts))
