"""Django's admin behind Sapa's own login, and off unless SAPA_ADMIN=1.

The admin's own login form would skip the login throttle and the TOTP step,
so it is never shown: its login page sends people to Sapa's login, and a
session counts for the admin only when Sapa's login made it (with the code,
for an account with two-factor login). With SAPA_ADMIN off every admin URL
answers 404, as if it were not there.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import reverse

# Set by sapa.libraries.views after a login through Sapa's form: "password" or "totp".
LOGIN_METHOD_KEY = "sapa_login_method"


def passed_sapa_login(request) -> bool:
    """True when this session came through Sapa's login, with the code if the account has 2FA."""
    method = request.session.get(LOGIN_METHOD_KEY)
    if method not in ("password", "totp"):
        return False
    return method == "totp" or not request.user.totp_enabled


class SapaAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return (
            settings.SAPA_ADMIN and super().has_permission(request) and passed_sapa_login(request)
        )

    def admin_view(self, view, cacheable=False):
        wrapped = super().admin_view(view, cacheable)

        def gated(request, *args, **kwargs):
            if not settings.SAPA_ADMIN:
                raise Http404
            return wrapped(request, *args, **kwargs)

        gated.__wrapped__ = wrapped
        return gated

    def login(self, request, extra_context=None):
        if not settings.SAPA_ADMIN:
            raise Http404
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
            "admin:index", current_app=self.name
        )
        return redirect_to_login(next_url, reverse("login"))
