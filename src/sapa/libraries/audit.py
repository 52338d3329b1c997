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
        object_repr=_label(obj)[:300] if obj is not None else "",
        data=data,
        ip=ip,
        user_agent=user_agent or "",
    )


def _label(obj) -> str:
    """The object as the log names it: its audit_label() when it holds personal data (a
    registration is "#12 — Event", not "Name — Event"), else str(obj)."""
    label = getattr(obj, "audit_label", None)
    return label() if callable(label) else str(obj)


def scrub_object(obj, *, label: str = "", forget_address: bool = False, data_keys=("email", "name")) -> int:
    """Personal data erased (UU 27/2022): the entries about `obj` stay, without personal text.
    Their object_repr becomes `label` (neutral), and personal values in their data go; with
    forget_address, the address and browser of the entries nobody signed in made (the
    participant's own requests) go too. Returns the number of entries changed."""
    entries = AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    changed = 0
    for entry in entries:
        entry.object_repr = label[:300]
        entry.data = {k: v for k, v in (entry.data or {}).items() if k not in data_keys}
        if forget_address and entry.actor_id is None and not entry.actor_label:
            entry.ip, entry.user_agent = None, ""
        entry.save(update_fields=["object_repr", "data", "ip", "user_agent"])
        changed += 1
    return changed
