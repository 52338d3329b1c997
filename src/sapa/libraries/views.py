"""Staff accounts, the staff shell, library settings, staff, tokens, audit log, public site."""

import segno
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from sapa.core.net import client_ip
from sapa.libraries import audit, services
from sapa.libraries.admin_site import LOGIN_METHOD_KEY
from sapa.libraries.forms import (
    ApiTokenForm,
    InviteForm,
    LibraryForm,
    LoginForm,
    ProfileForm,
    RoleForm,
    SignupForm,
    TotpForm,
)
from sapa.libraries.forms_password import EmailPasswordResetForm
from sapa.libraries.models import ApiToken, AuditEntry, Library, Membership, Role
from sapa.libraries.tenancy import library_view

PENDING_2FA = "sapa_pending_2fa_user"


def _next_url(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _throttle_minutes() -> int:
    return max(1, -(-settings.LOGIN_THROTTLE_WINDOW // 60))


def login_view(request):
    """Email and password; then the TOTP code when the account has two-factor login."""
    if request.user.is_authenticated:
        return redirect("staff-home")
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        ip = client_ip(request)
        # Counted before the password is checked: parallel guesses cannot pass the limit.
        if not services.login_attempt_allowed(email, ip):
            form.add_error(None, _("Too many failed attempts. Wait %(minutes)s minutes and try "
                                   "again, or reset your password.") % {"minutes": _throttle_minutes()})
            status = 429
            audit.record("login.throttled", request=request, email=email)
        else:

            user = authenticate(request, email=email, password=form.cleaned_data["password"])
            if user is None:
                audit.record("login.failed", request=request, email=email)
                form.add_error(None, _("The email or the password is wrong."))
            else:
                if user.totp_enabled:
                    services.password_accepted(email, ip)
                    request.session[PENDING_2FA] = user.pk
                    request.session["sapa_next"] = _next_url(request, "")
                    return redirect("login-2fa")
                services.login_succeeded(email, ip)
                login(request, user, backend="sapa.libraries.auth.EmailBackend")
                request.session[LOGIN_METHOD_KEY] = "password"
                audit.record("login.succeeded", request=request, actor=user)
                return _with_saved_language(redirect(_next_url(request, reverse("staff-home"))), user)
    return render(request, "libraries/login.html", {"form": form, "next": request.GET.get("next", "")},
                  status=status)


def login_2fa_view(request):
    user_id = request.session.get(PENDING_2FA)
    if not user_id:
        return redirect("login")
    user = get_object_or_404(get_user_model(), pk=user_id, is_active=True)
    form = TotpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        if not services.login_attempt_allowed(user.email, ip):
            form.add_error(None, _("Too many failed attempts. Wait %(minutes)s minutes and try "
                                   "again.") % {"minutes": _throttle_minutes()})
            status = 429
        elif services.verify_totp(user, form.cleaned_data["code"]):
            next_url = request.session.pop("sapa_next", "") or reverse("staff-home")
            request.session.pop(PENDING_2FA, None)
            services.login_succeeded(user.email, ip)
            login(request, user, backend="sapa.libraries.auth.EmailBackend")
            request.session[LOGIN_METHOD_KEY] = "totp"
            audit.record("login.succeeded", request=request, actor=user, two_factor=True)
            return _with_saved_language(redirect(next_url), user)
        else:
            audit.record("login.failed", request=request, email=user.email, two_factor=True)
            form.add_error("code", _("That code is not right. Check your app's clock and try again."))
    return render(request, "libraries/login_2fa.html", {"form": form}, status=status)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, throttled per email and per address like the login.

    Past the limit nothing is sent and the form says to wait; the answer does
    not tell whether the address has an account.
    """

    template_name = "libraries/password_reset.html"
    email_template_name = "libraries/email/password_reset.txt"
    subject_template_name = "libraries/email/password_reset_subject.txt"
    form_class = EmailPasswordResetForm

    def form_valid(self, form):
        if not services.password_reset_allowed(form.cleaned_data["email"], client_ip(self.request)):
            form.add_error(None, _("Too many requests. Wait %(minutes)s minutes and try again.")
                           % {"minutes": _throttle_minutes()})
            audit.record("user.password_reset_throttled", request=self.request)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset form; a new password also lifts the login throttle.

    The throttle message tells people to reset their password, so a reset must
    let them in at once rather than after the window runs out.
    """

    template_name = "libraries/password_reset_confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.clear_failed_logins(form.user.email)
        audit.record("user.password_reset", obj=form.user, actor=form.user, request=self.request)
        return response


def _with_saved_language(response, user):
    """After login, a staff member sees Sapa in the language they chose last time."""
    if user.language in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language,
                            max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax",
                            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=False)
    return response


@require_POST
def switch_language(request):
    """The language switch: Django's set_language, remembered for a logged-in staff member."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        if request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        audit.record("logout", request=request)
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("login")


@login_required
def staff_home(request):
    """Send staff to their library; with several, let them choose."""
    memberships = list(request.user.memberships.select_related("library"))
    if len(memberships) == 1:
        return redirect("library-dashboard", slug=memberships[0].library.slug)
    return render(request, "libraries/choose_library.html", {"memberships": memberships})


@library_view()
def dashboard(request):
    return render(request, "libraries/dashboard.html", {"library": request.library})


@library_view(Role.ADMIN)
def library_settings(request):
    form = LibraryForm(request.POST or None, instance=request.library)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record("library.updated", library=request.library, obj=request.library, request=request,
                     fields=sorted(form.changed_data))
        messages.success(request, _("Saved."))
        return redirect("library-settings", slug=request.library.slug)
    return render(request, "libraries/settings.html", {"form": form}, status=400 if form.errors else 200)


@library_view(Role.ADMIN)
def staff_list(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        if Membership.objects.filter(library=request.library, user__email__iexact=email).exists():
            form.add_error("email", _("This person is already on the staff."))
        else:
            services.invite(request.library, email, form.cleaned_data["role"], request=request)
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
            return redirect("library-staff", slug=request.library.slug)
    members = request.library.memberships.select_related("user").order_by("user__email")
    invitations = [i for i in request.library.invitations.all()[:50] if i.is_open]
    return render(request, "libraries/staff.html", {
        "form": form, "members": members, "invitations": invitations, "roles": Role.choices,
    })


@library_view(Role.ADMIN)
@require_POST
def staff_change(request, membership_id):
    membership = get_object_or_404(Membership, pk=membership_id, library=request.library)
    try:
        if request.POST.get("action") == "remove":
            services.remove_member(membership, request=request)
            messages.success(request, _("Removed from the staff."))
        else:
            form = RoleForm(request.POST)
            if form.is_valid():
                services.change_role(membership, form.cleaned_data["role"], request=request)
                messages.success(request, _("Role changed."))
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("library-staff", slug=request.library.slug)


@library_view(Role.ADMIN)
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = get_object_or_404(request.library.invitations, pk=invitation_id)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record("invitation.revoked", library=request.library, obj=invitation, request=request)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("library-staff", slug=request.library.slug)


def invitation_accept(request, token):
    """Join a library from an emailed link: log in, or create the account."""
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "libraries/invitation_invalid.html", status=404)
    User = get_user_model()
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email.lower():
            return render(request, "libraries/invitation_wrong_user.html", {"invitation": invitation}, status=403)
        if request.method == "POST":
            try:
                services.accept_invitation(invitation, request.user, request=request)
            except ValueError:  # used or withdrawn a moment ago
                return render(request, "libraries/invitation_invalid.html", status=404)
            messages.success(request, _("Welcome to %(library)s.") % {"library": invitation.library.name})
            return redirect("library-dashboard", slug=invitation.library.slug)
        return render(request, "libraries/invitation_accept.html", {"invitation": invitation})
    if existing is not None:
        messages.info(request, _("Log in as %(email)s to accept the invitation.") % {"email": invitation.email})
        return redirect(f"{reverse('login')}?next={request.path}")
    form = SignupForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = User.objects.create_user(invitation.email, form.cleaned_data["password1"],
                                                name=form.cleaned_data["name"])
                audit.record("user.created", library=invitation.library, obj=user, actor=user,
                             request=request)
                services.accept_invitation(invitation, user, request=request)
        except (ValueError, IntegrityError):  # used, or the account made, a moment ago
            return render(request, "libraries/invitation_invalid.html", status=404)
        login(request, user, backend="sapa.libraries.auth.EmailBackend")
        messages.success(request, _("Welcome to %(library)s.") % {"library": invitation.library.name})
        return redirect("library-dashboard", slug=invitation.library.slug)
    return render(request, "libraries/invitation_signup.html", {"invitation": invitation, "form": form})


@library_view(Role.ADMIN)
def audit_log(request):
    entries = AuditEntry.objects.filter(library=request.library).select_related("actor")
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "libraries/audit.html", {"page": page, "action": action})


@login_required
def account(request):
    """Profile, two-factor login and API tokens of the logged-in user."""
    user = request.user
    profile_form = ProfileForm(initial={"name": user.name})
    token_form = ApiTokenForm()
    new_token = None
    totp_form = TotpForm()
    pending_secret = request.session.get("sapa_totp_secret")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "profile":
            profile_form = ProfileForm(request.POST)
            if profile_form.is_valid():
                user.name = profile_form.cleaned_data["name"]
                user.save(update_fields=["name"])
                messages.success(request, _("Saved."))
                return redirect("account")
        elif action == "token":
            token_form = ApiTokenForm(request.POST)
            if token_form.is_valid():
                _token, new_token = services.create_api_token(user, token_form.cleaned_data["name"],
                                                              request=request)
                token_form = ApiTokenForm()
        elif action == "totp-start":
            pending_secret = services.new_totp_secret()
            request.session["sapa_totp_secret"] = pending_secret
        elif action == "totp-confirm" and pending_secret:
            totp_form = TotpForm(request.POST)
            if totp_form.is_valid():
                if services.enable_totp(user, pending_secret, totp_form.cleaned_data["code"], request=request):
                    request.session.pop("sapa_totp_secret", None)
                    messages.success(request, _("Two-factor login is on."))
                    return redirect("account")
                totp_form.add_error("code", _("That code is not right. Check your app's clock and try again."))
        elif action == "totp-off" and user.totp_enabled:
            # A code from the app, not just the session: whoever borrows an open
            # session must not be able to strip the second factor.
            totp_form = TotpForm(request.POST)
            if totp_form.is_valid():
                ip = client_ip(request)
                if not services.login_attempt_allowed(user.email, ip):
                    totp_form.add_error("code", _("Too many failed attempts. Wait %(minutes)s minutes and "
                                                  "try again.") % {"minutes": _throttle_minutes()})
                elif services.verify_totp(user, totp_form.cleaned_data["code"]):
                    services.login_succeeded(user.email, ip)
                    services.disable_totp(user, request=request)
                    messages.success(request, _("Two-factor login is off."))
                    return redirect("account")
                else:
                    audit.record("user.totp_disable_failed", obj=user, request=request)
                    totp_form.add_error("code", _("That code is not right. Check your app's clock and try "
                                                  "again."))
    totp_setup = None
    if pending_secret and not user.totp_enabled:

        uri = services.totp_uri(user, pending_secret)
        totp_setup = {"secret": pending_secret, "qr": segno.make(uri).svg_data_uri(scale=4)}
    return render(request, "libraries/account.html", {
        "profile_form": profile_form, "token_form": token_form, "new_token": new_token,
        "tokens": user.api_tokens.filter(revoked_at__isnull=True), "totp_form": totp_form,
        "totp_setup": totp_setup,
    })


@login_required
@require_POST
def token_revoke(request, token_id):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_api_token(token, request=request)
    messages.success(request, _("Token revoked."))
    return redirect("account")


def library_public(request, library_slug):
    """The library's public home: upcoming events and the latest news."""
    library = Library.objects.filter(slug=library_slug).first()
    if library is None:
        raise Http404
    sections = []

    # Each capability that exists adds its own section (events, news...).
    for config in apps.get_app_configs():
        provider = getattr(config, "public_home_section", None)
        if provider is not None:
            section = provider(library)
            if section:
                sections.append(section)
    return render(request, "libraries/public_home.html", {"library": library, "sections": sections})


def staff_home_or_public_index(request):
    """The site root: staff go to their library; visitors see the libraries here."""
    if request.user.is_authenticated:
        return redirect("staff-home")
    return render(request, "libraries/index.html", {"libraries": Library.objects.all()[:200]})
