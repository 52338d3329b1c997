from django import forms
from django.utils.translation import gettext_lazy as _

from sapa.meetings.models import MeetingKind


class ZoomAccountForm(forms.Form):
    account_id = forms.CharField(label=_("Account ID"), max_length=100)
    client_id = forms.CharField(label=_("Client ID"), max_length=100)
    client_secret = forms.CharField(
        label=_("Client secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to keep the stored one."),
    )
    webhook_secret = forms.CharField(
        label=_("Secret token (webhook)"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput,
        help_text=_("From the app's Feature page. Leave empty to keep the stored one."),
    )

    def __init__(self, *args, has_secret=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_secret = has_secret

    def clean(self):
        data = super().clean()
        if not self.has_secret and not data.get("client_secret"):
            self.add_error("client_secret", _("Enter the client secret."))
        return data


class CreateMeetingForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Create a"),
        choices=MeetingKind.choices,
        initial=MeetingKind.MEETING,
        widget=forms.RadioSelect,
        help_text=_("A webinar needs Zoom's Webinar add-on."),
    )


class GoogleAccountForm(forms.Form):
    key_file = forms.FileField(
        label=_("Service account key (JSON file)"),
        required=False,
        help_text=_("Leave empty to keep the stored one."),
    )
    user = forms.EmailField(
        label=_("Workspace user Sapa acts as"),
        help_text=_("The meetings are created in this user's calendar."),
    )
    calendar_id = forms.CharField(
        label=_("Calendar"),
        max_length=254,
        initial="primary",
        help_text=_("“primary” is the user's own calendar."),
    )

    def clean_key_file(self):
        upload = self.cleaned_data.get("key_file")
        if not upload:
            return ""
        if upload.size > 20_000:
            raise forms.ValidationError(_("This is not the service account's JSON key file."))
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("This is not the service account's JSON key file.")
            ) from None
