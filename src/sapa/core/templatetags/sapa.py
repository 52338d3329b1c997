from django import template

from sapa.core import timefmt

register = template.Library()


@register.filter
def when(dt, tz_name="Asia/Jakarta"):
    """{{ event.starts_at|when:event.time_zone }} → "Selasa, 21 Juli 2020, 09.00 WIB"."""
    return timefmt.format_datetime(dt, tz_name) if dt else ""


@register.filter
def day(dt, tz_name="Asia/Jakarta"):
    return timefmt.format_date(dt, tz_name) if dt else ""


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
