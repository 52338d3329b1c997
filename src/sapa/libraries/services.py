"""Rules for libraries, staff, logins, invitations and API tokens."""

import hmac
import secrets
from datetime import timedelta

import pyotp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sapa.core import ratelimit
from sapa.libraries import audit
from sapa.libraries.models import ApiToken, Invitation, Library, Membership, Role, hash_token
from sapa.mail.services import send_templated

INVITATION_DAYS = 7


# --- Login throttling -----------------------------------------------------------


def _login_limits():
    window = settings.LOGIN_THROTTLE_WINDOW
    attempts = settings.LOGIN_THROTTLE_ATTEMPTS
    # An address may try a few accounts (a shared library network), an
    # account may be tried from a few addresses; both are bounded.
    return (
        ratelimit.Limit("login-email", attempts, window),
        ratelimit.Limit("login-ip", attempts * 4, window),
    )


def login_attempt_allowed(email: str, ip: str) -> bool:
    """Count one login attempt (password or code) BEFORE it is checked; False when over the limit.

    Counting first, in one atomic step per counter (sapa.core.ratelimit.hit),
    is what bounds parallel guesses: of many requests racing, only the first
    `attempts` get their password checked. A right answer gives its count back
    (login_succeeded), so only failures use the allowance up.
    """
    by_email, by_ip = _login_limits()
    over_email = ratelimit.hit(by_email, email.strip().lower()) > by_email.attempts
    over_ip = ratelimit.hit(by_ip, ip) > by_ip.attempts
    return not (over_email or over_ip)


def password_accepted(email: str, ip: str) -> None:
    """The password was right but a code is still asked: give back that attempt's count only.

    The earlier failures stay: the right password must not buy a fresh round
    of guesses at the code.
    """
    by_email, by_ip = _login_limits()
    ratelimit.undo(by_email, email.strip().lower())
    ratelimit.undo(by_ip, ip)


def login_succeeded(email: str, ip: str) -> None:
    """A complete login: the account's failures are forgiven, the address's attempt given back."""
    by_email, by_ip = _login_limits()
    ratelimit.reset(by_email, email.strip().lower())
    ratelimit.undo(by_ip, ip)


def clear_failed_logins(email: str) -> None:
    by_email, _ = _login_limits()
    ratelimit.reset(by_email, email.strip().lower())


def _reset_limits():
    window = settings.LOGIN_THROTTLE_WINDOW
    attempts = settings.LOGIN_THROTTLE_ATTEMPTS
    return (
        ratelimit.Limit("reset-email", attempts, window),
        ratelimit.Limit("reset-ip", attempts * 4, window),
    )


def password_reset_allowed(email: str, ip: str) -> bool:
    """Count one password-reset request; False past the login throttle's numbers.

    Bounds the reset emails one person can make Sapa send to an address (and
    the probing of addresses from one network).
    """
    by_email, by_ip = _reset_limits()
    over_email = ratelimit.hit(by_email, email.strip().lower()) > by_email.attempts
    over_ip = ratelimit.hit(by_ip, ip) > by_ip.attempts
    return not (over_email or over_ip)


# --- Two-factor (TOTP) ----------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Sapa")


def _matching_step(secret: str, code: str) -> int | None:
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = timezone.now()
    step = int(now.timestamp()) // totp.interval
    # One step of clock drift either way, compared in constant time.
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.at(candidate * totp.interval), code):
            return candidate
    return None


def enable_totp(user, secret: str, code: str, request=None) -> bool:
    """Turn two-factor login on once the user proved their app shows the right code."""
    step = _matching_step(secret, code)
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_step = step
    user.save(update_fields=["totp_secret", "totp_enabled", "totp_last_step"])
    audit.record("user.totp_enabled", obj=user, actor=user, request=request)
    return True


def disable_totp(user, request=None) -> None:
    user.totp_secret = ""
    user.totp_enabled = False
    user.save(update_fields=["totp_secret", "totp_enabled"])
    audit.record("user.totp_disabled", obj=user, actor=user, request=request)


def verify_totp(user, code: str) -> bool:
    """Check a login code; each code works once (a replayed code is refused)."""
    if not user.totp_enabled or not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code)
    if step is None:
        return False
    User = get_user_model()
    # Conditional update: of two logins racing with the same code, one wins.
    updated = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(totp_last_step=step)
    return updated == 1


# --- Libraries and staff -------------------------------------------------------------


def create_library(*, slug: str, name: str, admin=None, actor=None, **fields) -> Library:
    """Create a library; `admin` becomes its first admin.

    The slug is the library's public address (/<slug>/): it may not be one of Sapa's own
    paths (RESERVED_SLUGS) or another library's. Raises ValidationError with the reason.
    """
    library = Library(slug=slug, name=name, **fields)
    library.full_clean(exclude=["logo"])
    with transaction.atomic():
        library.save()
        if admin is not None:
            Membership.objects.create(user=admin, library=library, role=Role.ADMIN)
        audit.record("library.created", library=library, actor=actor, obj=library)
    return library


def _keep_one_admin(membership: Membership) -> None:
    """Raise unless another admin remains; call inside a transaction.

    The admins are locked, so that two admins demoting each other at once
    cannot leave the library with none.
    """
    admins = list(Membership.objects.select_for_update()
                  .filter(library_id=membership.library_id, role=Role.ADMIN).values_list("pk", flat=True))
    if membership.pk in admins and len(admins) <= 1:
        raise ValueError(_("A library needs at least one admin."))


def change_role(membership: Membership, role: str, *, request) -> None:
    """Change a staff member's role; a library always keeps at least one admin."""
    with transaction.atomic():
        if role != Role.ADMIN:
            _keep_one_admin(membership)
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record("membership.role_changed", library=membership.library, obj=membership,
                     request=request, old=old, new=role)


def remove_member(membership: Membership, *, request) -> None:
    """Take someone off a library's staff; a library always keeps at least one admin."""
    with transaction.atomic():
        _keep_one_admin(membership)
        audit.record("membership.removed", library=membership.library, obj=membership,
                     request=request, email=membership.user.email)
        membership.delete()


def invite(library: Library, email: str, role: str, *, request) -> Invitation:
    """Invite someone by email; the link in the email lets them join (and sign up)."""
    email = email.strip().lower()
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(library=library, email=email, accepted_at__isnull=True,
                                  revoked_at__isnull=True).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            library=library, email=email, role=role, token_hash=hash_token(raw),
            invited_by=request.user, expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        audit.record("invitation.created", library=library, obj=invitation, request=request,
                     email=email, role=role)
        link = settings.BASE_URL + reverse("invitation-accept", args=[raw])
        send_templated(
            to=email,
            template="libraries/email/invitation",
            context={"library": library, "inviter": request.user, "link": link,
                     "role": invitation.get_role_display(), "days": INVITATION_DAYS},
            library=library,
            language=translation.get_language(),
        )
    return invitation


def find_invitation(raw: str) -> Invitation | None:
    """The open invitation for a raw token, or None.

    Looked up by the token's SHA-256: the database index finds it, and no
    secret is compared byte by byte in Python.
    """
    invitation = Invitation.objects.select_related("library").filter(token_hash=hash_token(raw)).first()
    if invitation is None or not invitation.is_open:
        return None
    return invitation


def accept_invitation(invitation: Invitation, user, *, request=None) -> Membership:
    """Add the user to the invited library (keeping a higher role they already have)."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_open:
            raise ValueError(_("This invitation has already been used or has expired."))
        try:
            membership, created = Membership.objects.get_or_create(
                user=user, library=locked.library, defaults={"role": locked.role}
            )
        except IntegrityError:
            membership, created = Membership.objects.get(user=user, library=locked.library), False
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
        audit.record("invitation.accepted", library=locked.library, obj=locked, actor=user,
                     request=request, new_member=created)
    return membership


# --- API tokens -------------------------------------------------------------------------


def create_api_token(user, name: str, *, request=None) -> tuple[ApiToken, str]:
    """Create a token; returns it with the raw value, which is never stored."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(user=user, name=name, token_hash=hash_token(raw), prefix=raw[:12])
    audit.record("api_token.created", obj=token, actor=user, request=request)
    return token, raw


def revoke_api_token(token: ApiToken, *, request=None) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record("api_token.revoked", obj=token, request=request)


def user_for_api_token(raw: str):
    """The active user behind a raw token, or None. Marks the token used."""
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Writing on every request would serialize API calls on SQLite: once a minute is enough.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
