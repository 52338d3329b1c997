"""The current library of a staff request, and the role check.

`library_view(role)` guards every staff view; `require_role()` guards every
service a view or the API calls; `sapa.events.tenancy.event_view(role)` adds
the event lookup for the event pages of every app.

Every staff URL carries the library's slug. `library_view` resolves it through
the user's own memberships only, so another library's pages answer 404, not
403: staff of library A cannot even learn that library B's objects exist.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from sapa.libraries.models import Membership, Role


def get_membership(user, slug: str) -> Membership:
    if not user.is_authenticated:
        raise Http404
    try:
        return Membership.objects.select_related("library").get(user=user, library__slug=slug)
    except Membership.DoesNotExist:
        raise Http404 from None


def has_role(user, library, role: str) -> bool:
    """Whether `user` holds `role` (or a higher one) in `library`."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    membership = Membership.objects.filter(user=user, library=library).first()
    return membership is not None and membership.has_role(role)


def require_role(user, library, role: str) -> None:
    """The role check of every service: PermissionDenied unless `user` has `role` in `library`."""
    if not has_role(user, library, role):
        raise PermissionDenied(_("This needs the %(role)s role.") % {"role": Role(role).label})


def library_view(role: str = Role.STAFF):
    """Decorate a staff view taking `slug`: sets request.library and request.membership.

    Members without `role` (or higher) get 404 like strangers do.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = get_membership(request.user, slug)
            if not membership.has_role(role):
                raise Http404
            request.library = membership.library
            request.membership = membership
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
