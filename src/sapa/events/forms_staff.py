"""Staff forms: the event, its speakers, categories and questions, and registrations by hand.

Times: the form shows and reads `datetime-local` values as wall-clock times in
the time zone chosen on the same form (WIB, WITA or WIT), not in the server's
zone, so "09:00" typed for a WITA event means 09:00 WITA.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sapa.core import uploads
from sapa.events import services
from sapa.events.forms import (
    NO,
    YES,
    RegistrationForm,
    question_field_name,
    regency_field_name,
)
from sapa.events.models import Category, Event, EventStatus, Question, QuestionKind, Speaker

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
IMAGE_ACCEPT = ",".join(IMAGE_FORMATS.values())
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


def validate_image(upload) -> None:
    """A JPEG, PNG or WebP of at most 5 MB (and 40 megapixels) that Pillow can really open.

    The browser's content type and the file name are not trusted: the bytes
    are opened and fully decoded, so a renamed PDF or a truncated file fails.
    """
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("The image is %(size).1f MB; the most is 5 MB. Make it smaller and upload it again."),
            code="too_big", params={"size": upload.size / (1024 * 1024)},
        )
    upload.seek(0)
    try:
        found = uploads.inspect_image(upload.read(), formats=tuple(IMAGE_FORMATS), max_pixels=MAX_IMAGE_PIXELS)
    except uploads.TooLarge as exc:
        raise ValidationError(str(exc), code="too_big") from None
    except uploads.NotAccepted as exc:
        if exc.format:
            raise ValidationError(
                _("Images in %(format)s format are not accepted. Use JPEG, PNG or WebP."),
                code="format", params={"format": exc.format},
            ) from None
        raise ValidationError(
            _("This file is not a JPEG, PNG or WebP image (or it is damaged). Choose a photo or a picture."),
            code="not_image",
        ) from None
    finally:
        upload.seek(0)
    # Stored as <random>.<detected extension>: not the uploader's name (x.html), not guessable
    # (a draft event's poster is a public file).
    # The name the person knows stays on the upload, for messages.
    upload.original_name = getattr(upload, "original_name", None) or upload.name
    upload.name = uploads.random_name(found.ext)


class ImageUploadField(forms.FileField):
    """A FileField with the checks of validate_image (clear messages instead of ImageField's one)."""

    widget = forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT})

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is not None:
            validate_image(upload)
        return upload


class LocalDateTimeField(forms.DateTimeField):
    """A datetime-local input; `clean` gives a naive wall-clock time (the zone comes later)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)
    input_formats = [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and timezone.is_aware(result):
            result = timezone.make_naive(result)  # undo Django's reading in the server's zone
        return result

    def prepare_value(self, value):
        return value  # initial values are prepared (made naive, local) by EventForm


class EventForm(forms.ModelForm):
    """An event's own fields; speakers, categories and questions have their own forms."""

    required_css_class = "required"

    slug = forms.SlugField(
        label=_("Address"), max_length=80, required=False,
        help_text=_("The end of the event's link (/e/…). Leave empty to make it from the title."),
    )
    poster = ImageUploadField(label=_("Poster"), required=False,
                              help_text=_("JPEG, PNG or WebP, at most 5 MB."))
    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(label=_("Ends"))
    registration_opens_at = LocalDateTimeField(
        label=_("Registration opens"), required=False, help_text=_("Empty: open as soon as published."))
    registration_closes_at = LocalDateTimeField(
        label=_("Registration closes"), required=False, help_text=_("Empty: at the start of the event."))
    meeting_url = forms.URLField(
        label=_("Meeting link"), required=False, max_length=500, assume_scheme="https",
        help_text=_("Zoom, Google Meet, Jitsi or any other link."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(EventStatus.DRAFT, _("Draft (not public yet)")), (EventStatus.PUBLISHED, _("Published"))],
    )

    DATETIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")

    class Meta:
        model = Event
        fields = [
            "title", "slug", "description", "poster", "time_zone", "starts_at", "ends_at",
            "meeting_url", "meeting_link_policy", "stream_url", "venue", "capacity", "registration_opens_at",
            "registration_closes_at", "visibility", "status", "consent_text", "retention_days",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "consent_text": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "description": _("Markdown: **bold**, *italic*, lists with -, links [text](https://…)."),
            "consent_text": _("Empty: Sapa's standard text, naming the library and the days kept."),
            "capacity": _("When you raise it, people on the waiting list move up at once."),
            "venue": _("Optional, for events with a place as well."),
        }

    def __init__(self, *args, library=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.library = library
        self.fields["time_zone"].initial = self.instance.time_zone if self.instance.pk else (
            getattr(library, "time_zone", None) or "Asia/Jakarta")
        if not self.instance.pk:
            self.initial.setdefault("time_zone", self.fields["time_zone"].initial)
        tz = ZoneInfo(self.initial.get("time_zone") or self.instance.time_zone or "Asia/Jakarta")
        for name in self.DATETIME_FIELDS:
            value = self.initial.get(name)
            if isinstance(value, datetime) and timezone.is_aware(value):
                self.initial[name] = value.astimezone(tz).replace(tzinfo=None)
        if self.instance.pk and self.instance.status == EventStatus.CANCELLED:
            del self.fields["status"]  # a cancelled event stays cancelled
        self.fields["capacity"].min_value = 1
        self.fields["capacity"].widget.attrs["min"] = 1

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or ""
        if slug and Event.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Another event already uses this address. Choose another one."))
        return slug

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if capacity < 1:
            raise ValidationError(_("An event needs at least one seat."))
        if self.instance.pk:
            taken = services.seats_taken(self.instance)
            if capacity < taken:
                raise ValidationError(
                    _("%(taken)d people already hold a seat. Cancel registrations first, or keep at "
                      "least %(taken)d seats."), params={"taken": taken})
        return capacity

    def clean(self):
        data = super().clean()
        tz_name = data.get("time_zone") or "Asia/Jakarta"
        tz = ZoneInfo(tz_name)
        for name in self.DATETIME_FIELDS:
            value = data.get(name)
            if isinstance(value, datetime) and timezone.is_naive(value):
                data[name] = value.replace(tzinfo=tz)
        starts, ends = data.get("starts_at"), data.get("ends_at")
        opens, closes = data.get("registration_opens_at"), data.get("registration_closes_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        if starts and closes and closes > starts:
            self.add_error("registration_closes_at", _("Registration must close at the latest when the event starts."))
        if opens and closes and opens >= closes:
            self.add_error("registration_opens_at", _("Registration must open before it closes."))
        elif opens and starts and not closes and opens >= starts:
            self.add_error("registration_opens_at", _("Registration must open before the event starts."))
        if not data.get("slug") and data.get("title") and not self.instance.pk:
            data["slug"] = services.unique_slug(data["title"])
        elif not data.get("slug") and self.instance.pk:
            data["slug"] = self.instance.slug
        return data

    def local_value(self, name):
        """A saved datetime shown in the event's zone (for templates)."""
        value = getattr(self.instance, name)
        return value.astimezone(ZoneInfo(self.instance.time_zone)) if value else None


# --- Speakers, categories, questions -----------------------------------------------------


class SpeakerForm(forms.ModelForm):
    photo = ImageUploadField(label=_("Photo"), required=False,
                             help_text=_("JPEG, PNG or WebP, at most 5 MB."))

    class Meta:
        model = Speaker
        fields = ["name", "role", "photo", "position"]
        labels = {"position": _("Order")}


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "position"]
        labels = {"position": _("Order")}


class QuestionForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For single and multiple choice: one choice per line."),
    )

    class Meta:
        model = Question
        fields = ["label", "kind", "required", "help_text", "position"]
        labels = {"position": _("Order")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["choices_text"].initial = "\n".join(str(c) for c in self.instance.choices or [])
        self.order_fields(["label", "kind", "choices_text", "required", "help_text", "position"])

    def clean(self):
        data = super().clean()
        choices = []
        for line in (data.get("choices_text") or "").splitlines():
            line = line.strip()
            if line and line not in choices:
                choices.append(line[:200])
        if data.get("kind") in CHOICE_KINDS and len(choices) < 2 and not data.get("DELETE"):
            self.add_error("choices_text", _("Give at least two choices, one per line."))
        data["choices"] = choices if data.get("kind") in CHOICE_KINDS else []
        return data

    def save(self, commit=True):
        self.instance.choices = self.cleaned_data.get("choices", [])
        return super().save(commit=commit)


def _formset(model, form, extra):
    return forms.inlineformset_factory(Event, model, form=form, extra=extra, can_delete=True)


SpeakerFormSet = _formset(Speaker, SpeakerForm, 2)
CategoryFormSet = _formset(Category, CategoryForm, 2)
QuestionFormSet = _formset(Question, QuestionForm, 2)


# --- Registrations by hand and their corrections -------------------------------------------


class StaffRegistrationForm(RegistrationForm):
    """The participants' own form (the same validation) without the bot checks.

    Adding someone by hand, staff tick that the person agreed to the consent
    text. Editing, the consent is not asked again and required questions may
    stay empty (the person may not have answered them by phone).
    """

    def __init__(self, event, *args, registration=None, **kwargs):
        super().__init__(event, *args, bot_checks=False, **kwargs)
        self.registration = registration
        if registration is not None:
            del self.fields["consent"]
            self.fields.pop("overflow", None)  # chosen at registration only
            for name, field in self.fields.items():
                if name.startswith("q_"):
                    field.required = False
            if not self.is_bound:
                self.initial.update(initial_from_registration(registration, self.questions))
        else:
            self.fields["consent"].label = _("The person agreed to this: “%(text)s”") % {
                "text": event.consent_text_effective}
        if "category" in self.fields:
            self.fields["category"].widget = forms.Select()
            self.fields["category"].widget.choices = self.fields["category"].choices
        self.fields["whatsapp"].required = False
        self.fields["name"].help_text = ""
        self.fields["email"].help_text = _("The confirmation and the personal link are sent here.")


def initial_from_registration(registration, questions) -> dict:
    """The edit form's initial values from a registration and its stored answers."""
    initial = {
        "name": registration.name, "email": registration.email, "whatsapp": registration.whatsapp,
        "institution": registration.institution, "category": registration.category_id,
    }
    answers = registration.answers or {}
    for question in questions:
        value = answers.get(str(question.pk))
        if value is None:
            continue
        name = question_field_name(question)
        if question.kind == QuestionKind.YES_NO:
            initial[name] = YES if value is True or value == YES else NO
        elif question.kind == QuestionKind.REGION and isinstance(value, dict):
            initial[name] = value.get("province", "")
            initial[regency_field_name(question)] = value.get("regency", "")
        else:
            initial[name] = value
    return initial


class RegistrationFilterForm(forms.Form):
    """Search and filters of the registrations table (GET)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        widget=forms.SearchInput(attrs={"placeholder": _("Name, email, institution, WhatsApp")}))
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=_("Registered from"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("until"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, event, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        from sapa.events.models import RegistrationStatus

        self.event = event
        self.fields["status"].choices = [("", _("All")), ("active", _("Confirmed and waiting")),
                                         *RegistrationStatus.choices]
        self.fields["category"].choices = [("", _("All")), ("0", _("No category")),
                                           *[(c.pk, c.name) for c in event.categories.all()]]


EXPORT_FORMATS = [
    ("csv-semicolon", _("CSV with ; (Excel in Indonesian)")),
    ("csv", _("CSV with , (comma)")),
    ("xlsx", _("Excel workbook (.xlsx)")),
]
