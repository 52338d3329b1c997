"""A post's status, summed up from its variants' states (below the workflow and the publisher, which both keep it)."""

from sapa.social.models import Post, VariantState

S = VariantState

_ATTENTION = (S.FAILED, S.NEEDS_CHECK, S.AWAITING_MANUAL, S.PUBLISHING)
_PROGRESS = (S.DRAFT, S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.PUBLISHED)


def post_status(states: list[str], current: str = S.DRAFT) -> str:
    """The post's status from its variants': what needs attention first, else the least advanced."""
    if not states:
        return current
    for state in _ATTENTION:
        if state in states:
            return state
    return min(states, key=_PROGRESS.index)


def sync_post_status(post: Post) -> str:
    """Recompute and store the post's status from its variants."""
    status = post_status(list(post.variants.values_list("state", flat=True)), post.status)
    if status != post.status:
        Post.objects.filter(pk=post.pk).update(status=status)
        post.status = status
    return status
