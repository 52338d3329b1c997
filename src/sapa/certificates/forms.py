from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _

from sapa.certificates import numbering, uploads
from sapa.certificates.models import CertificateDesign, DesignField, ExtraRecipient, Role, Signer
from sapa.events.models import Track


class DesignForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(label=_("For"), choices=Role.choices, widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Participants are everyone who attended; the others are "
                                                  "the names entered under Recipients."))
    tracks = forms.MultipleChoiceField(
        label=_("Participants on"), choices=Track.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("Which participants who attended get it: those with a seat in the meeting, those "
                    "who watched the live stream, or both."),
        error_messages={"required": _("Choose the seat, the stream, or both.")})

    class Meta:
        model = CertificateDesign
        fields = ["name", "orientation", "roles", "tracks", "number_pattern", "hours", "language"]

    def clean_number_pattern(self):
        pattern = self.cleaned_data["number_pattern"].strip()
        numbering.validate_pattern(pattern)
        return pattern

    def clean_hours(self):
        hours = self.cleaned_data.get("hours")
        if hours is not None and not Decimal("0") < hours <= Decimal("200"):
            raise ValidationError(_("Enter the hours (JP) between 0.5 and 200, or leave it empty."))
        return hours


class NewDesignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, initial=_("Certificate"))
    orientation = forms.ChoiceField(label=_("Page"), choices=CertificateDesign._meta.get_field("orientation").choices)


class BackgroundForm(forms.Form):
    file = forms.FileField(label=_("Background"),
                           help_text=_("PNG or JPEG (at least 600 pixels a side), or a PDF; at most 10 MB. "
                                       "It is scaled to fill the page."))
    page = forms.IntegerField(label=_("Page of the PDF"), min_value=1, initial=1,
                              help_text=_("For a PDF with several pages: which one is the background."))

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None and data.get("page"):
            try:
                info = uploads.check_background(upload, data["page"])
            except ValidationError as exc:
                self.add_error("file", exc)
            else:
                data["kind"] = info["kind"]
        return data


class FieldForm(forms.ModelForm):
    class Meta:
        model = DesignField
        fields = ["enabled", "x", "y", "width", "height", "font_size", "align", "colour", "font"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, page_mm=(297, 210), **kwargs):
        super().__init__(*args, **kwargs)
        self.page_mm = page_mm
        for name in ("x", "y", "width", "height", "font_size"):
            self.fields[name].widget.attrs.update({"step": "0.1", "inputmode": "decimal"})

    def clean(self):
        data = super().clean()
        page_w, page_h = self.page_mm
        x, y, w, h = (data.get(k) for k in ("x", "y", "width", "height"))
        if None in (x, y, w, h):
            return data
        if w < 5 or h < 3:
            raise ValidationError(_("A box needs at least 5 mm of width and 3 mm of height."))
        if x < 0 or y < 0 or x + w > page_w or y + h > page_h:
            raise ValidationError(_("The box must lie on the page (%(w)s × %(h)s mm).") % {"w": page_w, "h": page_h})
        size = data.get("font_size")
        if size is not None and not Decimal("4") <= size <= Decimal("120"):
            self.add_error("font_size", _("Choose a font size from 4 to 120 pt."))
        return data


FieldFormSet = modelformset_factory(DesignField, form=FieldForm, extra=0)


class SignerForm(forms.ModelForm):
    signature = forms.FileField(label=_("Signature image"), required=False,
                                help_text=_("PNG with a transparent background is best; at most 2 MB."))
    remove_signature = forms.BooleanField(label=_("Remove the signature image"), required=False)

    class Meta:
        model = Signer
        fields = ["name", "title"]

    def clean_signature(self):
        upload = self.cleaned_data.get("signature")
        if upload:
            uploads.check_signature(upload)
        return upload


SignerFormSet = modelformset_factory(Signer, form=SignerForm, extra=0)


class ExtraRecipientForm(forms.ModelForm):
    role = forms.ChoiceField(label=_("Role"), choices=[c for c in Role.choices if c[0] != Role.PARTICIPANT])

    class Meta:
        model = ExtraRecipient
        fields = ["name", "email", "role"]
        help_texts = {"email": _("Where the certificate is sent; without it, download it and pass it on.")}

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Enter the name as it should be printed."))
        return name


class GenerateForm(forms.Form):
    send_email = forms.BooleanField(label=_("Email each certificate to its holder when it is ready"),
                                    required=False, initial=True)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             help_text=_("Shown on the public verification page."))
