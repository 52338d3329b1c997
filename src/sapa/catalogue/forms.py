"""Staff forms: a catalogue source, an upload, and the choice of template and channels for draft posts."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sapa.catalogue.models import CatalogueSource, SourceKind
from sapa.social.models import Channel, PostTemplate


def max_upload_bytes() -> int:
    return getattr(settings, "CATALOGUE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)


class SourceForm(forms.ModelForm):
    required_css_class = "required"

    class Meta:
        model = CatalogueSource
        fields = ["name", "kind", "base_url", "metadata_prefix", "set_spec", "nightly"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in (SourceKind.OAI_PMH, SourceKind.SLIMS_RSS) and not data.get("base_url"):
            self.add_error("base_url", _("Give the catalogue's address: Sapa harvests only from it."))
        if kind == SourceKind.OAI_PMH and not data.get("metadata_prefix"):
            self.add_error("metadata_prefix", _("Choose the metadata format the catalogue offers."))
        if kind != SourceKind.OAI_PMH:
            data["metadata_prefix"] = ""
            data["set_spec"] = ""
        return data


class UploadForm(forms.Form):
    FORMATS = [
        ("auto", _("Recognise it")),
        ("iso2709", _("MARC (ISO 2709, .mrc)")),
        ("marcxml", _("MARCXML (.xml)")),
        ("csv", _("CSV (.csv)")),
    ]
    file = forms.FileField(label=_("File"), help_text=_(
        "MARC (ISO 2709), MARCXML, or CSV with the columns title, author, publisher, year, isbn, "
        "call number (separated by , or ;). At most 10 MB."))
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="auto")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; the most is %(limit)d MB. Export fewer records at a time."),
                params={"size": upload.size / (1024 * 1024), "limit": limit // (1024 * 1024)})
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class DraftPostsForm(forms.Form):
    acquisitions = forms.ModelMultipleChoiceField(queryset=None, label=_("Titles"),
                                                  widget=forms.CheckboxSelectMultiple)
    template = forms.ModelChoiceField(queryset=None, label=_("Post template"), help_text=_(
        "Placeholders: {title}, {author}, {year}, {call_number}, {publisher}, {isbn}."))
    channels = forms.ModelMultipleChoiceField(queryset=None, label=_("Channels"),
                                              widget=forms.CheckboxSelectMultiple,
                                              help_text=_("A variant of each post for each channel."))

    def __init__(self, *args, library, acquisitions_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["acquisitions"].queryset = acquisitions_qs
        self.fields["acquisitions"].label_from_instance = lambda a: (
            f"{a.title} — {a.authors}" if a.authors else a.title)
        self.fields["template"].queryset = PostTemplate.objects.filter(library=library)
        self.fields["channels"].queryset = Channel.objects.filter(library=library, is_active=True)
