"""The client's address, as far as we can trust it."""

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address the nearest trusted proxy saw.

    X-Forwarded-For is only read when SAPA_TRUSTED_PROXIES says how many
    proxies we sit behind; otherwise anyone could pick their own address and
    walk around rate limits.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    hops = settings.TRUSTED_PROXIES
    if hops <= 0:
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if len(forwarded) >= hops:
        return forwarded[-hops]
    return remote
