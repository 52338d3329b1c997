"""Public URLs, staff URLs under /staff/<library>/, the API under /api/v1/, /healthz.

The library's public site takes /<library-slug>/, so it comes last and its
slug may not be one of libraries.models.RESERVED_SLUGS.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from sapa.api.urls import api
from sapa.core.metrics import metrics_view
from sapa.core.views import healthz, healthz_worker, media
from sapa.events.api_public import router as events_public_router
from sapa.events.api_staff import router as events_staff_router
from sapa.libraries import views as lib
from sapa.libraries import views_outbox as outbox
from sapa.libraries.api import router as libraries_router
from sapa.news.api import router as news_router
from sapa.social.api import router as social_router

# Each app's router of the API at /api/v1/ (sapa.api.urls), in this order.
for _router in (libraries_router, events_public_router, events_staff_router, social_router, news_router):
    api.add_router("/", _router)

account_urls = [
    path("login/", lib.login_view, name="login"),
    path("login/code/", lib.login_2fa_view, name="login-2fa"),
    path("logout/", lib.logout_view, name="logout"),
    path("me/", lib.account, name="account"),
    path("me/tokens/<int:token_id>/revoke/", lib.token_revoke, name="token-revoke"),
    path("password/reset/", lib.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="libraries/password_reset_done.html"), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", lib.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="libraries/password_reset_complete.html"), name="password_reset_complete"),
    path("invite/<str:token>/", lib.invitation_accept, name="invitation-accept"),
]

staff_urls = [
    path("", lib.dashboard, name="library-dashboard"),
    path("settings/", lib.library_settings, name="library-settings"),
    path("staff/", lib.staff_list, name="library-staff"),
    path("staff/<int:membership_id>/", lib.staff_change, name="library-staff-change"),
    path("invitations/<int:invitation_id>/revoke/", lib.invitation_revoke, name="invitation-revoke"),
    path("audit/", lib.audit_log, name="library-audit"),
    path("outbox/", outbox.outbox, name="library-outbox"),
    path("outbox/<int:email_id>/retry/", outbox.outbox_retry, name="library-outbox-retry"),
    path("", include("sapa.events.urls_staff")),
    path("", include("sapa.promotion.urls_staff")),
    path("", include("sapa.catalogue.urls_staff")),
    path("", include("sapa.social.urls_staff")),
    path("", include("sapa.social.urls_metrics")),
    path("", include("sapa.attendance.urls_staff")),
    path("", include("sapa.meetings.urls_staff")),
    path("", include("sapa.live.urls_staff")),
    path("", include("sapa.survey.urls_staff")),
    path("", include("sapa.prizes.urls_staff")),
    path("", include("sapa.certificates.urls_staff")),
    path("", include("sapa.news.urls_staff")),
    path("", include("sapa.whatsapp.urls_staff")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("healthz/worker", healthz_worker, name="healthz-worker"),
    path("media/<path:path>", media, name="media"),
    path("i18n/setlang/", lib.switch_language, name="set_language"),
    path("i18n/js/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("accounts/", include(account_urls)),
    path("api/v1/", api.urls),
    path("", include("sapa.whatsapp.urls_public")),
    path("staff/", lib.staff_home, name="staff-home"),
    path("staff/<slug:slug>/", include(staff_urls)),
    path("", include("sapa.meetings.urls_public")),
    path("", include("sapa.events.urls_public")),
    path("", include("sapa.promotion.urls_public")),
    path("", include("sapa.social.urls_public")),
    path("", include("sapa.attendance.urls_public")),
    path("", include("sapa.live.urls_public")),
    path("", include("sapa.survey.urls_public")),
    path("", include("sapa.prizes.urls_public")),
    path("", include("sapa.certificates.urls_public")),
    path("", include("sapa.news.urls_public")),
    path("", include("sapa.guide.urls")),
    path("", lib.staff_home_or_public_index, name="home"),
    path("<slug:library_slug>/", lib.library_public, name="library-public"),
]
