"""Forms of the prizes app: a prize and its variants, a draw's rules, the winner's claim, shipping."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sapa.events import services as events_services
from sapa.events.forms import PROVINCES
from sapa.events.models import Track, all_tracks
from sapa.prizes.models import Prize

MAX_VARIANTS = 50
POSTAL_RE = re.compile(r"^[1-9]\d{4}$")


def normalize_phone(raw: str) -> str:
    """A winner's phone number in E.164: sapa.events.services.normalize_phone without the
    mobile-only rule (a courier may call a landline)."""
    return events_services.normalize_phone(
        raw,
        mobile_only=False,
        empty_message=_("Enter a phone number, e.g. 0812 3456 7890."),
        invalid_message=_("This is not a valid phone number. Use e.g. 0812 3456 7890."),
    )


def parse_variants(text: str) -> list[tuple[str, int]]:
    """Lines "name: stock" (or just "name" for one) → [(name, stock)]; ValidationError on a bad line."""
    out, seen = [], set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        name, _sep, stock = line.rpartition(":") if ":" in line else (line, "", "1")
        name, stock = name.strip()[:100], stock.strip()
        if not name or not stock.isdigit() or int(stock) < 1:
            raise ValidationError(_("Line %(n)d: write a name and a stock of at least 1, e.g. “XL: 5”.")
                                  % {"n": number})
        if name.lower() in seen:
            raise ValidationError(_("Line %(n)d: “%(name)s” is listed twice.") % {"n": number, "name": name})
        seen.add(name.lower())
        out.append((name, int(stock)))
    if len(out) > MAX_VARIANTS:
        raise ValidationError(_("At most %(n)d variants.") % {"n": MAX_VARIANTS})
    return out


class PrizeForm(forms.ModelForm):
    variants_text = forms.CharField(
        label=_("Variants and their stock"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional, one per line as “name: stock”, e.g. “M: 3” for t-shirt sizes or a book "
                    "title. With variants the quantity is their total and the winner chooses one."),
    )

    class Meta:
        model = Prize
        fields = ["name", "description", "quantity", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"].min_value = 1
        self.fields["quantity"].widget.attrs["min"] = 1
        if self.instance.pk:
            self.fields["variants_text"].initial = "\n".join(
                f"{v.name}: {v.stock}" for v in self.instance.variants.all())
        self.order_fields(["name", "description", "quantity", "variants_text", "position"])

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity < 1:
            raise ValidationError(_("At least one."))
        return quantity

    def clean_variants_text(self):
        return parse_variants(self.cleaned_data.get("variants_text", ""))


class DrawForm(forms.Form):
    winners_count = forms.IntegerField(label=_("Number of winners"), min_value=1, required=False,
                                       help_text=_("Empty: as many as there are prizes left."))
    require_attended = forms.BooleanField(label=_("Attended the event"), required=False, initial=True)
    min_minutes = forms.IntegerField(label=_("Attended at least (minutes)"), min_value=1, required=False)
    require_survey = forms.BooleanField(label=_("Answered the survey"), required=False)
    exclude_staff = forms.BooleanField(label=_("Not the library's staff"), required=False, initial=True)
    one_prize_per_person = forms.BooleanField(label=_("One prize per person (earlier winners excluded)"),
                                              required=False, initial=True)
    claim_days = forms.IntegerField(label=_("Days to claim"), min_value=1, max_value=90, initial=7)
    tracks = forms.MultipleChoiceField(
        label=_("Participants on"), choices=Track.choices, widget=forms.CheckboxSelectMultiple,
        initial=all_tracks, required=False,
        help_text=_("Who had a seat in the meeting, who watched the live stream, or both (none ticked: both)."))


class ClaimForm(forms.Form):
    required_css_class = "required"

    variant = forms.ChoiceField(label=_("Your choice"), widget=forms.RadioSelect, required=False)
    recipient = forms.CharField(label=_("Recipient's name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(label=_("Phone number"), max_length=30, help_text=_("E.g. 0812 3456 7890."),
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel",
                                                          "inputmode": "tel"}))
    province = forms.ChoiceField(label=_("Province"), choices=[("", _("— choose a province —"))]
                                 + [(p, p) for p in PROVINCES])
    regency = forms.CharField(label=_("Regency or city"), max_length=100,
                              help_text=_("E.g. Kabupaten Sleman or Kota Bandung."))
    district = forms.CharField(label=_("District (kecamatan)"), max_length=100)
    street = forms.CharField(label=_("Street address"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
                             help_text=_("Street, house number, RT/RW, village (kelurahan/desa)."))
    postal_code = forms.CharField(label=_("Postal code"), max_length=5,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                                "autocomplete": "postal-code"}))

    def __init__(self, *args, variants=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.variants = {str(v.pk): v for v, left in variants}
        if variants:
            self.fields["variant"].required = True
            self.fields["variant"].choices = [
                (str(v.pk), v.name if left else _("%(name)s (out of stock)") % {"name": v.name})
                for v, left in variants]
            self.available = {str(v.pk) for v, left in variants if left}
        else:
            del self.fields["variant"]
            self.available = set()
        messages = {
            "recipient": _("Enter the recipient's name."),
            "phone": _("Enter a phone number, e.g. 0812 3456 7890."),
            "province": _("Choose a province."),
            "regency": _("Enter the regency or city."),
            "district": _("Enter the district (kecamatan)."),
            "street": _("Enter the street address."),
            "postal_code": _("Enter the 5-digit postal code."),
            "variant": _("Choose one of the options."),
        }
        for name, text in messages.items():
            if name in self.fields:
                self.fields[name].error_messages["required"] = text
        self.fields["province"].error_messages["invalid_choice"] = _("Choose a province from the list.")
        if "variant" in self.fields:
            self.fields["variant"].error_messages["invalid_choice"] = _("Choose one of the options.")

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])

    def clean_postal_code(self):
        code = self.cleaned_data["postal_code"].strip()
        if not POSTAL_RE.match(code):
            raise ValidationError(_("A postal code has 5 digits, e.g. 55281."))
        return code

    def clean_variant(self):
        value = self.cleaned_data.get("variant")
        if value and value not in self.available:
            raise ValidationError(_("That option is no longer available. Choose another one."))
        return self.variants.get(value)


class ShippingForm(forms.Form):
    courier = forms.CharField(label=_("Courier"), max_length=60, help_text=_("E.g. JNE, J&T, Pos Indonesia."))
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=60)
