"""Forms of attendance: the rule, opening a check-in window, check-in, uploads, filters."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sapa.attendance import services
from sapa.attendance.files import MAX_BYTES, megabytes
from sapa.attendance.models import AttendanceRule, CheckInWindow


class RuleForm(forms.ModelForm):
    required_css_class = "required"

    class Meta:
        model = AttendanceRule
        fields = ["combine", "min_minutes", "min_percent", "require_both_checkins"]
        help_texts = {
            "min_minutes": _("Leave empty to use only the percentage."),
            "min_percent": _("Of the scheduled session. Leave empty to use only the minutes. "
                             "Either threshold is enough."),
        }

    def clean_min_percent(self):
        value = self.cleaned_data.get("min_percent")
        if value is not None and not 1 <= value <= 100:
            raise forms.ValidationError(_("Give a percentage from 1 to 100."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("combine") != AttendanceRule.Combine.CHECK_IN_ONLY and not data.get("min_minutes") \
                and not data.get("min_percent"):
            self.add_error("min_minutes", _("Give the minutes, the percentage, or both: the rule counts "
                                            "the time in the session."))
        return data


class OpenWindowForm(forms.Form):
    minutes = forms.TypedChoiceField(label=_("Open for"), coerce=int, initial=15)
    moment = forms.ChoiceField(label=_("Check-in"), choices=CheckInWindow.Moment.choices,
                               initial=CheckInWindow.Moment.START, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["minutes"].choices = [(m, gettext("%(n)d minutes") % {"n": m})
                                          for m in services.WINDOW_CHOICES]


class CheckInForm(forms.Form):
    """The public check-in: the code from the session and the registration's email."""

    code = forms.CharField(label=_("Code shown in the session"), max_length=16, widget=forms.TextInput(attrs={
        "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "class": "code-input",
        "inputmode": "text"}))
    email = forms.EmailField(label=_("Email you registered with"), max_length=254, widget=forms.EmailInput(
        attrs={"autocomplete": "email", "inputmode": "email"}))

    def __init__(self, *args, with_email=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_email:
            del self.fields["email"]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    help = _("CSV (separated by commas or semicolons; UTF-8 or Windows encoding) or XLSX. At most %(mb)d MB.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(self.help) % {"mb": MAX_BYTES // (1024 * 1024)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the most is %(limit)d MB."),
                params={"size": megabytes(upload.size), "limit": MAX_BYTES // (1024 * 1024)})
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class ChatUploadForm(UploadForm):
    file = forms.FileField(label=_("Saved chat"))
    help = _("The meeting_saved_chat.txt (or chat.txt) that Zoom saves, or the chat file of a cloud "
             "recording. At most %(mb)d MB.")


class AttendanceFilterForm(forms.Form):
    STATES = [
        ("", _("Everyone")),
        ("attended", _("Attended")),
        ("not_attended", _("Not attended")),
        ("checked_in", _("Checked in")),
        ("not_checked_in", _("Not checked in")),
        ("no_record", _("Never seen")),
    ]
    q = forms.CharField(label=_("Name or email"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("Show"), choices=STATES, required=False)


class ChatFilterForm(forms.Form):
    KINDS = [
        ("", _("All messages")),
        ("questions", _("Questions")),
        ("thanks", _("Thanks")),
        ("private", _("Direct messages")),
    ]
    q = forms.CharField(label=_("Sender or text"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Show"), choices=KINDS, required=False)
