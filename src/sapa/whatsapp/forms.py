from django import forms
from django.utils.translation import gettext_lazy as _


class AccountForm(forms.Form):
    phone_number_id = forms.RegexField(
        regex=r"^\d{5,40}$", label=_("Phone number ID"),
        error_messages={"invalid": _("Use the digits shown in WhatsApp Manager, API setup.")})
    business_account_id = forms.RegexField(
        regex=r"^\d{5,40}$", label=_("WhatsApp Business account ID"),
        error_messages={"invalid": _("Use the digits shown in WhatsApp Manager, API setup.")})
    access_token = forms.CharField(
        label=_("Access token"), required=False, max_length=1000,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("A system user's permanent token. Leave empty to keep the saved one."))
    app_secret = forms.CharField(
        label=_("App secret"), required=False, max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Checks that webhook calls come from Meta. Leave empty to keep the saved one."))
    daily_budget = forms.IntegerField(label=_("Messages per day at most"), min_value=0, max_value=1_000_000)
    is_active = forms.BooleanField(label=_("Send notices by WhatsApp"), required=False)

    def __init__(self, *args, has_secrets=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_secrets = has_secrets

    def clean(self):
        data = super().clean()
        if not self.has_secrets:
            for name in ("access_token", "app_secret"):
                if not (data.get(name) or "").strip() and name not in self.errors:
                    self.add_error(name, _("Enter it once; afterwards it is kept encrypted."))
        return data
