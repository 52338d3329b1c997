"""Forms of the social staff pages: channels and their time slots, posts and variants,
the media library, the calendar's filters and the reschedule fallback.

Credentials are typed into password fields that never show their value back;
left empty on an edit, the stored ones are kept.
"""

from __future__ import annotations

import os
from datetime import time

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from sapa.social.media import VIDEO_EXTENSIONS
from sapa.social.models import (
    SERVER_URL_NETWORKS,
    Campaign,
    Channel,
    HashtagSet,
    MediaItem,
    MediaKind,
    Network,
    PostTemplate,
    VariantState,
    normalized_server_url,
)

WEEKDAYS = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]

# Which credential fields each network's connector reads.
CREDENTIAL_FIELDS = {
    Network.FACEBOOK_PAGE: ("access_token",),
    Network.INSTAGRAM: ("access_token",),
    Network.MASTODON: ("access_token",),
    Network.X: ("access_token", "refresh_token", "client_id", "client_secret"),
    Network.TELEGRAM: ("bot_token",),
    Network.BLUESKY: ("identifier", "app_password"),
}


def image_max_bytes() -> int:
    return getattr(settings, "SAPA_SOCIAL_IMAGE_MAX_BYTES", 20 * 1024 * 1024)


def video_max_bytes() -> int:
    return getattr(settings, "SAPA_SOCIAL_VIDEO_MAX_BYTES", 300 * 1024 * 1024)


def _secret_field(label, help_text) -> forms.CharField:
    """A credential: typed in, never shown back."""
    return forms.CharField(
        label=label, required=False, strip=True, help_text=help_text,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))


class ChannelForm(forms.ModelForm):
    access_token = _secret_field(_("Access token"), _("Facebook Page, Instagram, Mastodon and X."))
    bot_token = _secret_field(
        _("Bot token"), _("Telegram: the token BotFather gave; the bot must be an admin of the channel."))
    identifier = _secret_field(_("Bluesky login"), _("Bluesky: the account's handle or email."))
    app_password = _secret_field(
        _("Bluesky app password"),
        _("Bluesky: an app password (Settings → App passwords), not the account's password."))
    refresh_token = _secret_field(
        _("Refresh token"), _("X: the refresh token (scope offline.access), so that Sapa renews the "
                              "two-hour access token by itself."))
    client_id = _secret_field(_("OAuth client ID"), _("X: your app's OAuth 2.0 client ID (Keys and tokens)."))
    client_secret = _secret_field(
        _("OAuth client secret"), _("X: your app's OAuth 2.0 client secret; leave empty for a public client."))

    class Meta:
        model = Channel
        fields = ["network", "name", "account_id", "handle", "server_url", "manual", "is_active"]
        help_texts = {
            "account_id": _("Page id (Facebook), Instagram user id, @channel (Telegram), account id "
                            "(Mastodon, X) or DID (Bluesky)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Validation writes the new address onto the instance: remember the stored one.
        self.stored_server_url = self.instance.server_url
        if self.instance.pk:
            self.fields["network"].disabled = True
            if self.instance.credentials_encrypted:
                for name in ("access_token", "bot_token", "identifier", "app_password", "refresh_token",
                             "client_id", "client_secret"):
                    self.fields[name].help_text = _("Stored. Leave empty to keep it; type a new one to "
                                                    "replace it.")

    def clean(self):
        data = super().clean()
        network = data.get("network") or self.instance.network
        if network == Network.MASTODON and not data.get("server_url"):
            self.add_error("server_url", _("Give your Mastodon server's address, e.g. https://mastodon.social."))
        if network not in SERVER_URL_NETWORKS and data.get("server_url"):
            self.add_error("server_url", _("Only Mastodon and Bluesky channels take a server address. "
                                           "Leave it empty."))
        if self.server_changed() and self.instance.credentials_encrypted:
            # The stored credentials belong to the old server: they are never sent to a new one.
            missing = [name for name in CREDENTIAL_FIELDS.get(network, ()) if not data.get(name)]
            if missing:
                self.add_error("server_url", _("A new server address needs the channel's credentials "
                                               "again: type them in below. The stored ones are never "
                                               "sent to another server."))
        return data

    def server_changed(self) -> bool:
        """True when an existing channel's server address is being changed."""
        if not self.instance.pk or "server_url" not in self.cleaned_data:
            return False
        return (normalized_server_url(self.cleaned_data["server_url"])
                != normalized_server_url(self.stored_server_url))

    def new_credentials(self) -> dict | None:
        """The credentials typed in (merged over the stored ones, unless the server changed),
        or None when nothing was typed."""
        network = self.cleaned_data.get("network") or self.instance.network
        typed = {name: self.cleaned_data.get(name) for name in CREDENTIAL_FIELDS.get(network, ())}
        typed = {k: v for k, v in typed.items() if v}
        if not typed:
            return None
        stored = dict(self.instance.credentials) if self.instance.pk and not self.server_changed() else {}
        if "access_token" in typed:
            stored.pop("expires_at", None)  # the expiry of the token being replaced
        return {**stored, **typed}


class TimeSlotsForm(forms.Form):
    """A field per weekday: times separated by commas ("09:00, 19:30")."""

    def __init__(self, *args, channel: Channel, **kwargs):
        super().__init__(*args, **kwargs)
        current = {}
        for entry in channel.time_slots or []:
            try:
                current.setdefault(int(entry["weekday"]), []).extend(entry.get("times", []))
            except (KeyError, TypeError, ValueError):
                continue
        for n, label in enumerate(WEEKDAYS):
            self.fields[f"day{n}"] = forms.CharField(
                label=label, required=False, initial=", ".join(sorted(current.get(n, []))),
                widget=forms.TextInput(attrs={"placeholder": "09:00, 19:30", "inputmode": "numeric"}))

    def clean(self):
        data = super().clean()
        slots = []
        for n in range(7):
            raw = (data.get(f"day{n}") or "").replace(";", ",").replace(".", ":")
            times = set()
            for part in filter(None, (p.strip() for p in raw.split(","))):
                try:
                    hour, _sep, minute = part.partition(":")
                    times.add(time(int(hour), int(minute or 0)).strftime("%H:%M"))
                except ValueError:
                    self.add_error(f"day{n}", _("“%(value)s” is not a time; write times like 09:00, 19:30.")
                                   % {"value": part})
            if times:
                slots.append({"weekday": n, "times": sorted(times)})
        data["time_slots"] = slots
        return data


class _MediaChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        if obj.kind == MediaKind.VIDEO:
            return f"{obj} ({_('video')})"
        return f"{obj} ({obj.width}×{obj.height})"


class PostForm(forms.Form):
    """A new post: its text written once, for the channels chosen."""

    title = forms.CharField(label=_("Title"), max_length=200,
                            help_text=_("For the team: shown in the calendar, not posted."))
    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("Written once; you can adjust it for each channel afterwards."))
    link = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    first_comment = forms.CharField(label=_("First comment"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("Only for networks that have comments under posts."))
    channels = forms.ModelMultipleChoiceField(label=_("Channels"), queryset=Channel.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)
    media = _MediaChoice(label=_("Media"), queryset=MediaItem.objects.none(), required=False,
                         widget=forms.CheckboxSelectMultiple)
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none(), required=False)
    new_campaign = forms.CharField(label=_("Or a new campaign"), max_length=150, required=False)
    note = forms.CharField(label=_("Internal note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    template = forms.ModelChoiceField(label=_("Template"), queryset=PostTemplate.objects.none(), required=False)
    hashtag_set = forms.ModelChoiceField(label=_("Hashtag set"), queryset=HashtagSet.objects.none(),
                                         required=False)

    def __init__(self, *args, library, **kwargs):
        super().__init__(*args, **kwargs)
        self.library = library
        self.fields["channels"].queryset = Channel.objects.filter(library=library, is_active=True)
        self.fields["media"].queryset = MediaItem.objects.filter(library=library)
        self.fields["campaign"].queryset = Campaign.objects.filter(library=library)
        self.fields["template"].queryset = PostTemplate.objects.filter(library=library)
        self.fields["hashtag_set"].queryset = HashtagSet.objects.filter(library=library)


class VariantForm(forms.Form):
    """One channel's version of the post."""

    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    link = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    first_comment = forms.CharField(label=_("First comment"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    media = _MediaChoice(label=_("Media"), queryset=MediaItem.objects.none(), required=False,
                         widget=forms.CheckboxSelectMultiple)
    date = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args, library, with_comment=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["media"].queryset = MediaItem.objects.filter(library=library)
        if not with_comment:
            del self.fields["first_comment"]

    def clean(self):
        data = super().clean()
        if bool(data.get("date")) != bool(data.get("time")) and not self.errors:
            raise forms.ValidationError(_("Give both the date and the time, or neither."))
        return data


class MoveForm(forms.Form):
    """Reschedule: a day (the time of day kept) or a day and a time."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))


class ScheduleForm(forms.Form):
    date = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))


class PublishedForm(forms.Form):
    url = forms.URLField(label=_("Address of the post"), max_length=500, assume_scheme="https")


class MediaUploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("An image (JPEG, PNG, WebP) or, for YouTube, TikTok "
                                                        "and WhatsApp, a video."))
    alt_text = forms.CharField(label=_("Alt text"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("What the image shows, for people who cannot see it. Required "
                                           "for images."))

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if not upload:
            return data
        is_video = os.path.splitext(upload.name)[1].lower() in VIDEO_EXTENSIONS
        limit = video_max_bytes() if is_video else image_max_bytes()
        if upload.size > limit:
            self.add_error("file", _("The file is %(size)s; the limit is %(limit)s.") % {
                "size": filesizeformat(upload.size), "limit": filesizeformat(limit)})
        if not is_video and not (data.get("alt_text") or "").strip():
            self.add_error("alt_text", _("Describe the image for people who cannot see it."))
        return data


class CalendarFilterForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.none(), required=False,
                                     empty_label=_("All channels"))
    status = forms.ChoiceField(label=_("Status"), required=False)
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none(), required=False,
                                      empty_label=_("All campaigns"))

    def __init__(self, *args, library, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.filter(library=library)
        self.fields["campaign"].queryset = Campaign.objects.filter(library=library)
        self.fields["status"].choices = [("", _("All states")), *VariantState.choices]


class HashtagSetForm(forms.ModelForm):
    class Meta:
        model = HashtagSet
        fields = ["name", "hashtags"]
        widgets = {"hashtags": forms.Textarea(attrs={"rows": 3})}


class PostTemplateForm(forms.ModelForm):
    class Meta:
        model = PostTemplate
        fields = ["name", "network", "text", "hashtag_set"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "network": _("Leave empty to use it on any network."),
            "text": _("Placeholders: {event_title}, {event_date}, {registration_link}."),
        }

    def __init__(self, *args, library, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hashtag_set"].queryset = HashtagSet.objects.filter(library=library)
        self.fields["network"].choices = [("", _("Any network")), *Network.choices]
