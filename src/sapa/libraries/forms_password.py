from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm


class EmailPasswordResetForm(PasswordResetForm):
    """Django's reset form, matching our email-only users case-insensitively."""

    def get_users(self, email):
        User = get_user_model()
        return (u for u in User.objects.filter(email__iexact=email, is_active=True) if u.has_usable_password())
