"""Staff pages of social media: channels (their credentials and time slots) and testing a connection.

Who may do what, and how objects are fetched: see views_common.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view
from sapa.social import services
from sapa.social.forms import WEEKDAYS, ChannelForm, TimeSlotsForm
from sapa.social.models import Channel
from sapa.social.views_common import get_channel, is_editor, next_or


@library_view(Role.STAFF)
def channel_list(request):
    channels = list(Channel.objects.filter(library=request.library))
    for channel in channels:
        channel.slot_rows = [
            {"day": WEEKDAYS[int(e["weekday"])], "times": ", ".join(e.get("times", []))}
            for e in sorted(channel.time_slots or [], key=lambda e: int(e.get("weekday", 0)))
            if str(e.get("weekday", "")).isdigit() and 0 <= int(e["weekday"]) < 7
        ]
    return render(request, "social/staff/channels.html", {"channels": channels, "can_edit": is_editor(request)})


@library_view(Role.EDITOR)
def channel_create(request):
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        fields = {k: cd[k] for k in ("account_id", "handle", "server_url", "manual", "is_active")}
        channel = services.create_channel(request.library, network=cd["network"], name=cd["name"], by=request.user,
                                          credentials=form.new_credentials(), **fields)
        messages.success(request, _("Channel added. Test the connection, then set its posting times."))
        return redirect("social-channel-edit", slug=request.library.slug, channel_id=channel.pk)
    return render(request, "social/staff/channel_form.html", {"form": form, "channel": None})


@library_view(Role.EDITOR)
def channel_edit(request, channel_id):
    channel = get_channel(request, channel_id)
    form = ChannelForm(None, instance=channel)
    slots = TimeSlotsForm(None, channel=channel)
    if request.method == "POST" and "slots" in request.POST:
        slots = TimeSlotsForm(request.POST, channel=channel)
        if slots.is_valid():
            channel.time_slots = slots.cleaned_data["time_slots"]
            channel.save(update_fields=["time_slots", "updated_at"])
            audit.record("social.channel_slots_changed", library=request.library, obj=channel, request=request)
            messages.success(request, _("Posting times saved."))
            return redirect("social-channel-edit", slug=request.library.slug, channel_id=channel.pk)
    elif request.method == "POST":
        form = ChannelForm(request.POST, instance=channel)
        if form.is_valid():
            credentials = form.new_credentials()
            with transaction.atomic():
                channel = form.save()
                audit.record("social.channel_changed", library=request.library, obj=channel, request=request,
                             fields=sorted(form.changed_data))
                if credentials is not None:
                    services.reconnect_channel(channel, by=request.user, credentials=credentials)
            messages.success(request, _("Channel saved."))
            return redirect("social-channels", slug=request.library.slug)
    return render(request, "social/staff/channel_form.html", {"form": form, "channel": channel, "slots": slots})


@require_POST
@library_view(Role.EDITOR)
def channel_test(request, channel_id):
    channel = get_channel(request, channel_id)
    ok, message = services.test_connection(channel, by=request.user)
    if ok:
        messages.success(request, _("Connected: %(account)s") % {"account": message})
    else:
        messages.error(request, _("The connection failed: %(reason)s") % {"reason": message})
    return redirect(next_or(request, reverse("social-channels", kwargs={"slug": request.library.slug})))
