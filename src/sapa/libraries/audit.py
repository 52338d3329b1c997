"""The audit log: one helper that every feature calls."""

from sapa.core.net import client_ip
from sapa.libraries.models import AuditEntry


def record(action: str, *, library=None, actor=None, obj=None, request=None, **data) -> AuditEntry:
    """Record that `actor` did `action` to `obj` in `library`.

    `request` supplies the actor (when not given), the address and the browser.
    `data` holds what changed, in plain JSON values. Never put passwords or
    tokens in it.
    """
    ip = user_agent = None
    if request is not None:
        if actor is None and getattr(request, "user", None) is not None and request.user.is_authenticated:
            actor = request.user
        ip = client_ip(request)
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    if ip == "unknown":
        ip = None
    return AuditEntry.objects.create(
        library=library,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(getattr(actor, "email", None) or str(actor or ""))[:254],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        data=data,
        ip=ip,
        user_agent=user_agent or "",
    )
