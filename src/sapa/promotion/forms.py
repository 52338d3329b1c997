from django import forms
from django.utils.translation import gettext_lazy as _

from sapa.promotion.models import Channel, PinnedLink, ProfileLink


class VariantLinkForm(forms.Form):
    """Another short link for one channel, e.g. for one post or one WhatsApp group."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    label = forms.CharField(label=_("Label"), max_length=100,
                            help_text=_("E.g. the post or the group it goes to."))


class PinnedLinkForm(forms.ModelForm):
    class Meta:
        model = PinnedLink
        fields = ["label", "url", "position"]


class ProfileLinkForm(forms.ModelForm):
    class Meta:
        model = ProfileLink
        fields = ["network", "handle", "url", "position"]


class ReportPeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The end of the period comes before its start."))
        return cleaned
