"""The registration form, built from the event: the same rules for the web form and the API.

The web form adds two bot checks that cost humans nothing: a honeypot field
that people never see, and a signed timestamp of when the page was served (a
person needs a few seconds to fill the form; a page older than a day is stale).
"""

import time
from datetime import date

import phonenumbers
from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from sapa.events import services
from sapa.events.models import QuestionKind
from sapa.events.structure import event_structure

# Indonesia's 38 provinces (2022), in the order of the province codes.
PROVINCES = [
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Jambi", "Sumatera Selatan",
    "Bengkulu", "Lampung", "Kepulauan Bangka Belitung", "Kepulauan Riau", "DKI Jakarta",
    "Jawa Barat", "Jawa Tengah", "DI Yogyakarta", "Jawa Timur", "Banten", "Bali",
    "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Barat", "Kalimantan Tengah",
    "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Utara",
    "Sulawesi Tengah", "Sulawesi Selatan", "Sulawesi Tenggara", "Gorontalo", "Sulawesi Barat",
    "Maluku", "Maluku Utara", "Papua", "Papua Barat", "Papua Selatan", "Papua Tengah",
    "Papua Pegunungan", "Papua Barat Daya",
]

HONEYPOT_FIELD = "website"
TIMESTAMP_FIELD = "ts"
TIMESTAMP_SALT = "sapa.events.registration-form"
MAX_FORM_AGE = 24 * 60 * 60

MAX_NAME = 150
MAX_EMAIL = 254
MAX_PHONE_INPUT = 30
MAX_INSTITUTION = 200
MAX_SHORT_TEXT = 300
MAX_LONG_TEXT = 2000
MAX_REGENCY = 100
NUMBER_LIMIT = 10**12

YES, NO = "yes", "no"


def question_field_name(question) -> str:
    return f"q_{question.pk}"


def regency_field_name(question) -> str:
    return f"q_{question.pk}_regency"


def choice_values(question) -> list[str]:
    """A question's choices as strings (the staff form stores strings; tolerate dicts)."""
    values = []
    for item in question.choices or []:
        if isinstance(item, dict):
            item = item.get("label") or item.get("value") or ""
        item = str(item).strip()
        if item and item not in values:
            values.append(item)
    return values


def form_timestamp(now: float | None = None) -> str:
    """The signed time at which the form was served."""
    return signing.dumps({"t": round(now if now is not None else time.time(), 3)}, salt=TIMESTAMP_SALT,
                         compress=False)


def _max_length_message(limit):
    return _("Use at most %(limit)d characters.") % {"limit": limit}


def _validate_phone(raw: str) -> str:
    """Any valid phone number (landline or mobile), normalized to E.164."""
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This is not a valid phone number. Use e.g. 021 1234 5678 or 0812 3456 7890."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        return _validate_phone(value) if value else ""


class WhatsAppField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        return services.normalize_whatsapp(value) if value else ""


class CategoryField(forms.ChoiceField):
    """The event's categories from the in-memory structure (no query per request);
    cleans to the Category."""

    def __init__(self, structure, **kwargs):
        self.structure = structure
        super().__init__(choices=[(c.pk, c.name) for c in structure.categories], **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.structure.category(value) if value not in self.empty_values else None


class RegistrationForm(forms.Form):
    """A registration for one event: fixed fields, one field per question, consent.

    `bot_checks=False` for the API (no honeypot, no time check); everything
    else is the same. After validation, `answers()` gives the answers as
    {question_id (str): JSON value}.
    """

    required_css_class = "required"

    name = forms.CharField(
        label=_("Full name"), max_length=MAX_NAME,
        help_text=_("As it should appear on your certificate."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"), max_length=MAX_EMAIL,
        help_text=_("Your confirmation and personal link are sent here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    whatsapp = WhatsAppField(
        label=_("WhatsApp number"), max_length=MAX_PHONE_INPUT,
        help_text=_("E.g. 0812 3456 7890."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    institution = forms.CharField(
        label=_("Institution"), max_length=MAX_INSTITUTION, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )

    def __init__(self, event, *args, bot_checks: bool = True, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.event = event
        self.bot_checks = bot_checks
        structure = event_structure(event)
        self.questions = list(structure.questions)
        self._error_messages()
        if structure.categories:
            self.fields["category"] = CategoryField(
                structure,
                label=_("Participant category"),
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose your participant category."),
                    "invalid_choice": _("Choose one of this event's categories."),
                },
            )
        for question in self.questions:
            self._add_question(question)
        if event.stream_url:
            self.fields["overflow"] = forms.ChoiceField(
                label=_("If all seats are taken"), required=False, initial="waitlist",
                choices=[("stream", _("Watch the live stream (YouTube or Facebook) instead")),
                         ("waitlist", _("Join the waiting list for a seat"))],
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Choose the stream or the waiting list.")},
            )
        self.fields["consent"] = forms.BooleanField(
            label=event.consent_text_effective, required=True,
            error_messages={"required": _("Registration needs your consent to the processing of your data.")},
        )
        # A separate, unticked opt-in to notices by WhatsApp (sapa.whatsapp), stored with its text.
        self.fields["whatsapp_optin"] = forms.BooleanField(label=_("Send me reminders on WhatsApp"),
                                                           required=False)
        if bot_checks:
            self.fields[HONEYPOT_FIELD] = forms.CharField(
                required=False, max_length=200,
                label=_("Leave this field empty"),
                widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
            )
            self.fields[TIMESTAMP_FIELD] = forms.CharField(
                required=False, max_length=200, widget=forms.HiddenInput,
            )
            if not self.is_bound:
                self.initial[TIMESTAMP_FIELD] = form_timestamp()

    def _error_messages(self):
        self.fields["name"].error_messages.update({
            "required": _("Enter your full name."), "max_length": _max_length_message(MAX_NAME),
        })
        self.fields["email"].error_messages.update({
            "required": _("Enter your email address."),
            "invalid": _("Enter a valid email address, e.g. nama@contoh.id."),
            "max_length": _max_length_message(MAX_EMAIL),
        })
        self.fields["whatsapp"].error_messages.update({
            "required": _("Enter your WhatsApp number, e.g. 0812 3456 7890."),
            "max_length": _max_length_message(MAX_PHONE_INPUT),
        })
        self.fields["institution"].error_messages["max_length"] = _max_length_message(MAX_INSTITUTION)

    def _add_question(self, question):
        name = question_field_name(question)
        common = {"label": question.label, "required": question.required,
                  "help_text": question.help_text}
        required_message = {"required": _("Please answer this question.")}
        kind = question.kind
        if kind == QuestionKind.SHORT_TEXT:
            field = forms.CharField(max_length=MAX_SHORT_TEXT, **common)
            field.error_messages["max_length"] = _max_length_message(MAX_SHORT_TEXT)
        elif kind == QuestionKind.LONG_TEXT:
            field = forms.CharField(max_length=MAX_LONG_TEXT, widget=forms.Textarea(attrs={"rows": 4}),
                                    **common)
            field.error_messages["max_length"] = _max_length_message(MAX_LONG_TEXT)
        elif kind == QuestionKind.SINGLE_CHOICE:
            choices = [(c, c) for c in choice_values(question)]
            field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        elif kind == QuestionKind.MULTIPLE_CHOICE:
            choices = [(c, c) for c in choice_values(question)]
            field = forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
            required_message = {"required": _("Choose at least one answer.")}
        elif kind == QuestionKind.YES_NO:
            field = forms.ChoiceField(choices=[(YES, _("Yes")), (NO, _("No"))], widget=forms.RadioSelect,
                                      **common)
        elif kind == QuestionKind.NUMBER:
            field = forms.DecimalField(max_value=NUMBER_LIMIT, min_value=-NUMBER_LIMIT, max_digits=20,
                                       decimal_places=6, localize=False,
                                       widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
            field.error_messages["invalid"] = _("Enter a number.")
        elif kind == QuestionKind.DATE:
            field = forms.DateField(
                input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"],
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common,
            )
            field.error_messages["invalid"] = _("Enter a date, e.g. 17/08/1990.")
        elif kind == QuestionKind.PHONE:
            field = PhoneField(max_length=MAX_PHONE_INPUT,
                               widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}), **common)
            field.error_messages["max_length"] = _max_length_message(MAX_PHONE_INPUT)
        elif kind == QuestionKind.REGION:
            province = forms.ChoiceField(
                choices=[("", _("— choose a province —")), *[(p, p) for p in PROVINCES]],
                label=question.label, required=question.required,
                help_text=question.help_text,
            )
            province.error_messages["invalid_choice"] = _("Choose a province from the list.")
            province.error_messages.update(required_message)
            province.question = question
            self.fields[name] = province
            regency = forms.CharField(
                label=_("Regency or city"), max_length=MAX_REGENCY, required=question.required,
                help_text=_("E.g. Kabupaten Sleman or Kota Bandung."),
            )
            regency.error_messages.update({
                "required": _("Enter your regency or city."),
                "max_length": _max_length_message(MAX_REGENCY),
            })
            regency.question = question
            self.fields[regency_field_name(question)] = regency
            return
        else:  # an unknown kind from a newer version: ask for text
            field = forms.CharField(max_length=MAX_SHORT_TEXT, **common)
        if "invalid_choice" in field.error_messages:
            field.error_messages["invalid_choice"] = _("Choose one of the answers offered.")
        field.error_messages.update(required_message)
        field.question = question
        self.fields[name] = field

    # --- bot checks --------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        if self.bot_checks:
            if (self.data.get(HONEYPOT_FIELD) or "").strip():
                raise ValidationError(
                    _("Your registration could not be accepted: a field meant to stay empty was filled. "
                      "If you are a person, reload the page and try again."), code="honeypot")
            self._check_timestamp(self.data.get(TIMESTAMP_FIELD) or "")
        return cleaned

    def _check_timestamp(self, token: str):
        stale = ValidationError(
            _("This form is too old. Reload the page and fill it in again."), code="stale")
        try:
            served = float(signing.loads(token, salt=TIMESTAMP_SALT, max_age=MAX_FORM_AGE)["t"])
        except signing.SignatureExpired:
            raise stale from None
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise ValidationError(
                _("The form could not be checked. Reload the page and fill it in again."), code="bad_ts",
            ) from None
        elapsed = time.time() - served
        if elapsed < settings.SAPA_REGISTRATION_MIN_SECONDS:
            raise ValidationError(
                _("That was faster than a person can fill in the form. Wait a few seconds and send it again."),
                code="too_fast")
        if elapsed > MAX_FORM_AGE:
            raise stale

    # --- results -------------------------------------------------------------------------

    def answers(self) -> dict:
        """The answers as {question_id: JSON value}; unanswered optional questions left out."""
        result = {}
        for question in self.questions:
            value = self.cleaned_data.get(question_field_name(question))
            kind = question.kind
            if kind == QuestionKind.REGION:
                regency = (self.cleaned_data.get(regency_field_name(question)) or "").strip()
                if value or regency:
                    result[str(question.pk)] = {"province": value or "", "regency": regency}
                continue
            if value in (None, "", []):
                continue
            if kind == QuestionKind.YES_NO:
                value = value == YES
            elif kind == QuestionKind.NUMBER:
                value = int(value) if value == value.to_integral_value() else float(value)
            elif kind == QuestionKind.DATE and isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, str):
                value = value.strip()
            result[str(question.pk)] = value
        return result

    def register_kwargs(self) -> dict:
        """The keyword arguments of services.register() from the cleaned data."""
        data = self.cleaned_data
        return {
            "name": data["name"], "email": data["email"], "whatsapp": data.get("whatsapp", ""),
            "institution": data.get("institution", ""), "category": data.get("category"),
            "answers": self.answers(), "consent": bool(data.get("consent")),
            "overflow": data.get("overflow") or "",
        }

    def whatsapp_optin(self) -> str | None:
        """The opt-in's text when the person ticked it and gave a number; None otherwise."""
        if self.cleaned_data.get("whatsapp_optin") and self.cleaned_data.get("whatsapp"):
            return str(self.fields["whatsapp_optin"].label)
        return None

    def visible_question_fields(self):
        return [self[name] for name in self.fields if name.startswith("q_")]

    @classmethod
    def submitted(cls, event, data, *, bot_checks: bool = True) -> "RegistrationForm":
        """The bound form of a public submission (web form or API), built cheaply.

        Building the fields from the event (one per question, the categories,
        the consent) took a third of the form's time; a submission's fields are
        never changed after they are built, so each event version's fields are
        built once per process and shared by its submissions (see
        _SubmittedRegistrationForm). Validation, cleaned data and error
        messages are those of RegistrationForm(event, data=data).
        """
        return _SubmittedRegistrationForm(event, data, bot_checks=bot_checks)


# (event id, created, updated, consent label, bot checks, language) -> the fields of
# RegistrationForm for that event version; bounded, per process.
_SHARED_FIELDS: dict[tuple, dict] = {}
_SHARED_FIELDS_MAX = 512


class _SubmittedRegistrationForm(RegistrationForm):
    """RegistrationForm whose fields are shared, read-only, between submissions of one event version."""

    def __init__(self, event, data, *, bot_checks: bool):
        forms.Form.__init__(self, data=data, label_suffix="")
        self.event = event
        self.bot_checks = bot_checks
        self.questions = list(event_structure(event).questions)
        # The language too: some of the fields' messages are translated when built
        # (_max_length_message formats its lazy text at once).
        key = (event.pk, event.created_at, event.updated_at, event.consent_text_effective, bot_checks,
               translation.get_language())
        fields = _SHARED_FIELDS.get(key)
        if fields is None:
            fields = RegistrationForm(event, bot_checks=bot_checks).fields
            if len(_SHARED_FIELDS) >= _SHARED_FIELDS_MAX:
                _SHARED_FIELDS.clear()
            _SHARED_FIELDS[key] = fields
        self.fields = fields


# Nothing to deep-copy per request (Form.__init__ copies base_fields): the fields
# come from the shared set. Set after the class is made, as its metaclass sets it.
_SubmittedRegistrationForm.base_fields = {}


def form_data_from_api(event, payload: dict) -> dict:
    """Turn an API body into the form's data, so that the API follows the form's rules.

    `category` may be a category's id or name; `answers` maps question ids to
    values (a list for multiple choice, true/false for yes/no, {"province":
    ..., "regency": ...} for a region).
    """
    from django.utils.datastructures import MultiValueDict

    data = MultiValueDict()
    for key in ("name", "email", "whatsapp", "institution", "overflow"):
        value = payload.get(key)
        if value is not None:
            data[key] = str(value)
    category = payload.get("category")
    if category not in (None, ""):
        match = None
        for cat in event_structure(event).categories:
            if str(cat.pk) == str(category) or cat.name.strip().lower() == str(category).strip().lower():
                match = cat
                break
        data["category"] = str(match.pk) if match else "-1"
    if payload.get("consent") is True:
        data["consent"] = "on"
    if payload.get("whatsapp_optin") is True:
        data["whatsapp_optin"] = "on"
    answers = payload.get("answers") or {}
    if not isinstance(answers, dict):
        answers = {}
    for question in event_structure(event).questions:
        value = answers.get(str(question.pk), answers.get(question.pk))
        if value is None:
            continue
        name = question_field_name(question)
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            values = value if isinstance(value, list) else [value]
            data.setlist(name, [str(v) for v in values])
        elif question.kind == QuestionKind.YES_NO:
            if isinstance(value, bool):
                data[name] = YES if value else NO
            else:
                data[name] = {"ya": YES, "true": YES, "tidak": NO, "false": NO}.get(
                    str(value).strip().lower(), str(value).strip().lower())
        elif question.kind == QuestionKind.REGION:
            if isinstance(value, dict):
                data[name] = str(value.get("province") or "")
                data[regency_field_name(question)] = str(value.get("regency") or "")
            else:
                data[name] = str(value)
        else:
            data[name] = str(value)
    return data


def api_errors(form) -> dict:
    """Form errors keyed the way the API body names things (answers.<id>, not q_<id>)."""
    errors = {}
    for field, messages in form.errors.items():
        key = field
        if field.startswith("q_"):
            rest = field[2:]
            key = f"answers.{rest.replace('_regency', '')}" + (".regency" if rest.endswith("_regency") else "")
        elif field == "__all__":
            key = "non_field"
        errors[key] = [str(m) for m in messages]
    return errors
