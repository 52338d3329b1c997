"""The participant's survey form and the staff forms (settings, questions)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sapa.events.forms_staff import QuestionForm
from sapa.survey.models import QuestionKind, Survey, SurveyQuestion

MAX_SHORT_TEXT = 300
MAX_LONG_TEXT = 4000
NUMBER_LIMIT = 10**9
YES, NO = "yes", "no"
RATINGS = [(n, str(n)) for n in range(1, 6)]
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


def field_name(question) -> str:
    return f"q_{question.pk}"


def _max_length(limit):
    return _("Use at most %(limit)d characters.") % {"limit": limit}


class ResponseForm(forms.Form):
    """A 1–5 rating (required), comments, then one field per survey question."""

    required_css_class = "required"

    rating = forms.TypedChoiceField(
        label=_("How would you rate this event overall? (1 = poor, 5 = excellent)"),
        choices=RATINGS, coerce=int, widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5."),
                        "invalid_choice": _("Choose a rating from 1 to 5.")},
    )
    comments = forms.CharField(
        label=_("Comments and suggestions"), required=False, max_length=MAX_LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _max_length(MAX_LONG_TEXT)},
    )

    def __init__(self, survey: Survey, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.questions = list(survey.questions.all())
        for question in self.questions:
            self.fields[field_name(question)] = self._field(question)

    def _field(self, question):
        common = {"label": question.label, "required": question.required, "help_text": question.help_text}
        kind = question.kind
        if kind == QuestionKind.LONG_TEXT:
            field = forms.CharField(max_length=MAX_LONG_TEXT, widget=forms.Textarea(attrs={"rows": 3}), **common)
            field.error_messages["max_length"] = _max_length(MAX_LONG_TEXT)
        elif kind == QuestionKind.SINGLE_CHOICE:
            field = forms.ChoiceField(choices=[(c, c) for c in question.choices], widget=forms.RadioSelect,
                                      **common)
        elif kind == QuestionKind.MULTIPLE_CHOICE:
            field = forms.MultipleChoiceField(choices=[(c, c) for c in question.choices],
                                              widget=forms.CheckboxSelectMultiple, **common)
            field.error_messages["required"] = _("Choose at least one answer.")
        elif kind == QuestionKind.YES_NO:
            field = forms.ChoiceField(choices=[(YES, _("Yes")), (NO, _("No"))], widget=forms.RadioSelect,
                                      **common)
        elif kind == QuestionKind.NUMBER:
            field = forms.DecimalField(max_value=NUMBER_LIMIT, min_value=-NUMBER_LIMIT, max_digits=16,
                                       decimal_places=4, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                                       **common)
            field.error_messages["invalid"] = _("Enter a number.")
        else:
            field = forms.CharField(max_length=MAX_SHORT_TEXT, **common)
            field.error_messages["max_length"] = _max_length(MAX_SHORT_TEXT)
        if kind != QuestionKind.MULTIPLE_CHOICE:
            field.error_messages["required"] = _("Please answer this question.")
        if "invalid_choice" in field.error_messages:
            field.error_messages["invalid_choice"] = _("Choose one of the answers offered.")
        return field

    def answers(self) -> dict:
        """{question id (str): JSON value}, empty answers left out."""
        out = {}
        for question in self.questions:
            value = self.cleaned_data.get(field_name(question))
            if value in (None, "", []):
                continue
            if question.kind == QuestionKind.NUMBER:
                value = format(value.normalize(), "f")
            out[str(question.pk)] = value
        return out


class SurveySettingsForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["opens_at", "open_days", "intro"]
        widgets = {"opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}
        help_texts = {"opens_at": _("By default when the event ends."),
                      "intro": _("Shown above the questions.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opens_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["open_days"].min_value = 1
        self.fields["open_days"].widget.attrs["min"] = 1

    def clean_open_days(self):
        days = self.cleaned_data["open_days"]
        if days < 1:
            raise forms.ValidationError(_("Keep the survey open for at least one day."))
        if days > 365:
            raise forms.ValidationError(_("A survey stays open at most 365 days."))
        return days


class SurveyQuestionForm(QuestionForm):
    """The event's question form (choices one per line, at least two) for a survey question."""

    class Meta(QuestionForm.Meta):
        model = SurveyQuestion


SurveyQuestionFormSet = forms.inlineformset_factory(Survey, SurveyQuestion, form=SurveyQuestionForm, extra=2,
                                                    can_delete=True)
