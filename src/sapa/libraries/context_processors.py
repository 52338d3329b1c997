from django.apps import apps
from django.conf import settings
from django.urls import reverse

from sapa.libraries.models import ROLE_RANK


def _staff_nav(request, library, membership):
    """Navigation of the staff shell: each app's AppConfig.staff_nav entries.

    An entry is (weight, label, url_name, minimum role); only those the
    member's role allows are shown, in weight order.
    """
    items = []
    for config in apps.get_app_configs():
        for weight, label, url_name, role in getattr(config, "staff_nav", ()):
            if ROLE_RANK[membership.role] < ROLE_RANK[role]:
                continue
            url = reverse(url_name, kwargs={"slug": library.slug})
            items.append((weight, {"label": label, "url": url}))
    items.sort(key=lambda pair: pair[0])
    path = request.path
    nav = [item for _, item in items]
    # The longest matching prefix is the current page.
    best = max((i for i in nav if path.startswith(i["url"])), key=lambda i: len(i["url"]), default=None)
    for item in nav:
        item["active"] = item is best
    return nav


def libraries(request):
    """The staff member's libraries, the library switcher and the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = getattr(request, "_memberships", None)
    if memberships is None:
        memberships = list(user.memberships.select_related("library"))
        request._memberships = memberships
    library = getattr(request, "library", None)
    membership = getattr(request, "membership", None)
    return {
        "my_memberships": memberships,
        "current_library": library,
        "current_membership": membership,
        "staff_nav": _staff_nav(request, library, membership) if membership else [],
        # Links into Django's admin only when it is on (SAPA_ADMIN) and for superusers.
        "admin_links": user.is_superuser and settings.SAPA_ADMIN,
    }
