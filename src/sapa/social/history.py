"""Every change of a post kept: a PostRevision and an audit entry, written together."""

from __future__ import annotations

from sapa.libraries import audit
from sapa.social.models import Post, PostRevision, PostVariant, snapshot_of

WORKER_LABEL = "Sapa"


def actor_parts(actor) -> tuple[object | None, str]:
    """(user or None, label) for a user, a reviewer's name (a string), or None (the worker)."""
    if actor is None:
        return None, WORKER_LABEL
    if isinstance(actor, str):
        return None, actor[:254]
    return actor, (getattr(actor, "email", "") or str(actor))[:254]


def record_change(post: Post, action: str, *, actor=None, variant: PostVariant | None = None,
                  changes: dict | None = None, comment: str = "", request=None, **audit_data) -> PostRevision:
    """Keep a revision (with a snapshot of the post) and write the audit entry `social.<action>`."""
    user, label = actor_parts(actor)
    revision = PostRevision.objects.create(
        post=post, variant=variant, actor=user, actor_label=label, action=action,
        changes=changes or {}, snapshot=snapshot_of(post), comment=comment,
    )
    audit.record(f"social.{action}", library=post.library, actor=user or label, request=request,
                 obj=variant or post, **({"changes": changes} if changes else {}),
                 **({"comment": comment} if comment else {}), **audit_data)
    return revision


def diff(obj, fields: dict) -> dict:
    """{"field": [old, new]} for each field whose new value differs (JSON-friendly)."""
    changed = {}
    for name, new in fields.items():
        old = getattr(obj, name)
        if old != new:
            changed[name] = [_plain(old), _plain(new)]
    return changed


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value
