"""Staff forms of news: the article, the gallery photo, scheduling, categories; and the
visitor's comment after "Tidak"."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from sapa.events.forms_staff import ImageUploadField
from sapa.libraries.models import User
from sapa.news.models import Article, Category
from sapa.news.services import MAX_COMMENT

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class ArticleForm(forms.ModelForm):
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500,
                           help_text=_("Separated by commas, e.g. media sosial, literasi."))
    cover_upload = ImageUploadField(label=_("Cover photo"), required=False,
                                    help_text=_("JPEG, PNG or WebP, at most 5 MB; resized to 1600 pixels wide."))

    class Meta:
        model = Article
        fields = ["title", "slug", "summary", "body", "category", "tags", "cover_upload", "cover_alt",
                  "cover_credit", "author", "author_name", "editor", "editor_name"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
            "body": forms.Textarea(attrs={"rows": 18}),
        }
        help_texts = {
            "slug": _("The end of the article's address; made from the title when left empty."),
            "body": _("Markdown: a blank line between paragraphs; ## for a heading, ### for a smaller one; "
                      "**bold**, *italic*; [text](https://…) for a link; lines starting with - for a list; "
                      "> for a quotation. Other HTML is removed."),
            "author_name": _("Or a name, for someone without an account."),
            "editor_name": _("Or a name, for someone without an account."),
        }

    def __init__(self, *args, library, **kwargs):
        super().__init__(*args, **kwargs)
        self.library = library
        self.fields["slug"].required = False
        self.fields["category"].queryset = Category.objects.filter(library=library)
        members = User.objects.filter(memberships__library=library).order_by("name", "email")
        self.fields["author"].queryset = members
        self.fields["editor"].queryset = members
        # The model's tags are objects; the form edits them as "a, b, c".
        self.initial["tags"] = ", ".join(t.name for t in self.instance.tags.all()) if self.instance.pk else ""

    def clean_slug(self):
        slug = slugify(self.cleaned_data.get("slug") or "")
        if slug and Article.objects.filter(library=self.library, slug=slug).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Another article already has this address."))
        return slug

    def clean(self):
        data = super().clean()
        if not data.get("author") and not (data.get("author_name") or "").strip():
            self.add_error("author_name", _("Choose the author's account or write the author's name."))
        if data.get("cover_upload") and not (data.get("cover_alt") or "").strip():
            self.add_error("cover_alt", _("Describe the photo for people who cannot see it."))
        return data


class PhotoForm(forms.Form):
    image = ImageUploadField(label=_("Photo"), help_text=_("JPEG, PNG or WebP, at most 5 MB."))
    caption = forms.CharField(label=_("Caption"), max_length=300,
                              help_text=_("What the photo shows; also read to people who cannot see it."))
    credit = forms.CharField(label=_("Photo credit"), max_length=150, required=False)


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(label=_("Publish at"), input_formats=[DATETIME_LOCAL],
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))

    def __init__(self, *args, tz_name="Asia/Jakarta", **kwargs):
        super().__init__(*args, **kwargs)
        self.tz_name = tz_name

    def clean_at(self):
        value = self.cleaned_data["at"]
        if timezone.is_aware(value):
            value = timezone.make_naive(value, timezone.get_current_timezone())
        aware = datetime.combine(value.date(), value.time(), tzinfo=ZoneInfo(self.tz_name))
        if aware <= timezone.now():
            raise ValidationError(_("Choose a time in the future, or publish now."))
        return aware


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "position"]

    def __init__(self, *args, library, **kwargs):
        super().__init__(*args, **kwargs)
        self.library = library

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        slug = slugify(name)
        if not slug:
            raise ValidationError(_("Use letters or digits in the name."))
        if Category.objects.filter(library=self.library, slug=slug).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("There is already a category with this name."))
        return name


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("What was missing or unclear?"), max_length=MAX_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_COMMENT}))
