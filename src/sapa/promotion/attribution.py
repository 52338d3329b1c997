"""First-touch attribution: which channel brought a visitor to an event.

A short-link click sets the signed cookie `sapa_ch` = {event id: [channel,
time]}, for each event only when it holds none for that event yet (first
touch), for seven days. The registration (form and API) asks
`channel_for(request, event)`: the cookie's channel, else a valid
`utm_source` in the address, else "".
"""

import time

from django.conf import settings
from django.core import signing

from sapa.promotion.models import CHANNEL_VALUES

COOKIE = "sapa_ch"
SALT = "sapa.promotion.channel"
MAX_AGE = 7 * 24 * 60 * 60
MAX_EVENTS = 20  # a cookie stays small


def _touches(request) -> dict:
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return {}
    try:
        data = signing.loads(raw, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    oldest = time.time() - MAX_AGE
    return {k: v for k, v in data.items()
            if isinstance(v, list) and len(v) == 2 and v[0] in CHANNEL_VALUES and v[1] > oldest}


def remember(request, response, event_id: int, channel: str) -> bool:
    """Set the first touch of `event_id` on the response unless the visitor has one; True if set."""
    touches = _touches(request)
    key = str(event_id)
    if key in touches or channel not in CHANNEL_VALUES:
        return False
    touches[key] = [channel, int(time.time())]
    if len(touches) > MAX_EVENTS:
        touches = dict(sorted(touches.items(), key=lambda kv: kv[1][1])[-MAX_EVENTS:])
    response.set_cookie(COOKIE, signing.dumps(touches, salt=SALT, compress=True), max_age=MAX_AGE,
                        httponly=True, samesite="Lax", secure=settings.HTTPS)
    return True


def channel_for(request, event) -> str:
    """The channel to record on a registration of `event` from this request ("" if unknown)."""
    touch = _touches(request).get(str(event.pk))
    if touch:
        return touch[0]
    source = (request.GET.get("utm_source") or "").strip().lower()
    return source if source in CHANNEL_VALUES else ""
