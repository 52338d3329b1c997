"""Staff pages of promotion: an event's links, QR codes and flyers; its dashboard; the
link-in-bio page's pinned links and profiles; the library report.

Every view goes through library_view and finds objects through request.library:
another library's event or link answers 404.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sapa.core import exports
from sapa.events.models import Event
from sapa.events.tenancy import event_view
from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view
from sapa.promotion import charts, dashboard, flyers, links, qr, services, stats
from sapa.promotion.forms import PinnedLinkForm, ProfileLinkForm, ReportPeriodForm, VariantLinkForm
from sapa.promotion.models import Channel, ClickDay, PinnedLink, ProfileLink, ShortLink


def _download(content, content_type, filename, attachment=True):
    response = HttpResponse(content, content_type=content_type)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-cache"
    return response


@library_view()
@require_GET
def home(request):
    """The library's events with their promotion pages, the link-in-bio page and the report."""
    now = timezone.now()
    events = Event.objects.filter(library=request.library)
    upcoming = list(events.filter(ends_at__gte=now).order_by("starts_at")[:50])
    past = list(events.filter(ends_at__lt=now).order_by("-starts_at")[:20])
    return render(request, "promotion/home.html", {"upcoming": upcoming, "past": past})


@event_view()
@require_http_methods(["GET", "HEAD", "POST"])
def event_links(request, event):
    """An event's short links (one per channel, plus variants), their clicks, QR codes and flyers."""
    form = VariantLinkForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            link = links.event_link(event, form.cleaned_data["channel"], form.cleaned_data["label"],
                                    user=request.user)
            audit.record("promotion.link_created", library=request.library, obj=link, request=request,
                         event=event.pk, channel=link.channel, label=link.label)
            messages.success(request, _("Short link %(url)s is ready.") % {"url": link.url})
            return redirect("promotion-event", slug=request.library.slug, event_id=event.pk)
    for channel in Channel.values:
        links.event_link(event, channel)
    event_short_links = list(ShortLink.objects.filter(event=event).order_by("channel", "label", "id"))
    click_rows = {}
    for link_id, visitors, bots in ClickDay.objects.filter(link__event=event).values_list(
            "link_id", "visitors", "bots"):
        entry = click_rows.setdefault(link_id, [0, 0])
        entry[0] += visitors
        entry[1] += bots
    rows = [{"link": link, "clicks": click_rows.get(link.pk, [0, 0])[0], "bots": click_rows.get(link.pk, [0, 0])[1]}
            for link in event_short_links]
    sizes = flyers.size_labels()
    return render(request, "promotion/event_links.html", {
        "event": event, "rows": rows, "form": form,
        "layouts": list(flyers.layout_labels().items()), "sizes": list(sizes.items()),
        "post_sizes": services.POST_SIZES, "can_attach": request.membership.has_role(Role.EDITOR),
        "sections": _event_sections(request, event),
        "flyer_link": links.event_link(event, Channel.FLYER),
    })


def _event_sections(request, event) -> list[str]:
    """What other apps show on the event's promotion page (AppConfig.promotion_event_section),
    such as social's post just made from a flyer."""
    sections = []
    for config in apps.get_app_configs():
        hook = getattr(config, "promotion_event_section", None)
        section = hook(request, event) if hook is not None else ""
        if section:
            sections.append(section)
    return sections


@library_view()
@require_GET
def link_qr(request, link_id, fmt):
    """The QR code of one of the library's short links, PNG or SVG; ?scale= pixels per module."""
    link = get_object_or_404(ShortLink, pk=link_id, library=request.library)
    try:
        scale = max(1, min(int(request.GET.get("scale", "10")), qr.MAX_SCALE))
    except ValueError:
        scale = 10
    name = f"qr-{link.code}"
    if fmt == "svg":
        return _download(qr.svg(link.url, scale=scale, title=link.url), "image/svg+xml", f"{name}.svg",
                         attachment="download" in request.GET)
    return _download(qr.png(link.url, scale=scale), "image/png", f"{name}.png",
                     attachment="download" in request.GET)


@event_view()
@require_GET
def flyer(request, event, layout, size):
    """One flyer of the event: PNG for the screen sizes, PDF for A4 (cached per event version)."""
    if layout not in flyers.LAYOUTS or size not in flyers.SIZES:
        raise Http404
    content, ext = flyers.flyer_file(event, layout, size)
    content_type = "application/pdf" if ext == "pdf" else "image/png"
    return _download(content, content_type, f"flyer-{event.slug}-{layout}-{size}.{ext}",
                     attachment="download" in request.GET)


@event_view()
@require_GET
def event_dashboard(request, event):
    """Registrations over time (and how many hours until full), by channel, category, institution, province."""
    built = []
    for key in dashboard.CHART_KEYS:
        chart = dashboard.chart(event, key)
        built.append({"chart": chart, "svg": mark_safe(charts.svg(chart))})  # noqa: S308 - escaped in charts.svg
    return render(request, "promotion/dashboard.html", {
        "event": event, "charts": built, "summary": stats.summary(event),
    })


@event_view()
@require_GET
def chart_file(request, event, key, fmt):
    """One dashboard chart's data as CSV, or the chart as PNG."""
    if key not in dashboard.CHART_KEYS:
        raise Http404
    chart = dashboard.chart(event, key)
    if fmt == "csv":
        return exports.response("csv", chart.columns, chart.rows, f"{event.slug}-{key}", cache="private, no-cache")
    return _download(charts.png(chart), "image/png", f"{event.slug}-{key}.png")


# --- Link-in-bio ---------------------------------------------------------------------------------

BIO_KINDS = {"pinned": (PinnedLink, PinnedLinkForm), "profile": (ProfileLink, ProfileLinkForm)}


def _sync_short_link(item):
    """Keep an item's short link leading to its current address."""
    if item.short_link_id is None:
        item.short_link = links.url_link(item.library, item.url, Channel.INSTAGRAM, links.BIO_LABEL, obj=item)
        type(item).objects.filter(pk=item.pk).update(short_link=item.short_link)
    elif item.short_link.target_url != item.url:
        ShortLink.objects.filter(pk=item.short_link_id).update(target_url=item.url)
        links.forget(item.short_link.code)


@library_view()
@require_http_methods(["GET", "HEAD", "POST"])
def bio(request):
    """The link-in-bio page's pinned links and the library's profiles (editors change them)."""
    library = request.library
    can_edit = request.membership.has_role(Role.EDITOR)
    forms = {"pinned": PinnedLinkForm(prefix="pinned"), "profile": ProfileLinkForm(prefix="profile")}
    if request.method == "POST":
        if not can_edit:
            raise Http404
        kind = request.POST.get("kind")
        if kind not in BIO_KINDS:
            raise Http404
        model, form_class = BIO_KINDS[kind]
        form = form_class(request.POST, prefix=kind)
        if form.is_valid():
            with transaction.atomic():
                item = form.save(commit=False)
                item.library = library
                item.save()
                _sync_short_link(item)
                audit.record(f"promotion.{kind}_added", library=library, obj=item, request=request,
                             url=item.url)
            messages.success(request, _("Added."))
            return redirect("promotion-bio", slug=library.slug)
        forms[kind] = form
    return render(request, "promotion/bio.html", {
        "pinned": PinnedLink.objects.filter(library=library).select_related("short_link"),
        "profiles": ProfileLink.objects.filter(library=library).select_related("short_link"),
        "forms": forms, "can_edit": can_edit,
    })


@library_view(Role.EDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def bio_edit(request, kind, item_id):
    if kind not in BIO_KINDS:
        raise Http404
    model, form_class = BIO_KINDS[kind]
    item = get_object_or_404(model.objects.select_related("short_link"), pk=item_id, library=request.library)
    form = form_class(request.POST or None, instance=item, prefix=kind)
    if request.method == "POST":
        if request.POST.get("delete"):
            audit.record(f"promotion.{kind}_deleted", library=request.library, obj=item, request=request)
            if item.short_link_id:
                links.forget(item.short_link.code)
                ShortLink.objects.filter(pk=item.short_link_id).delete()
            item.delete()
            messages.success(request, _("Deleted."))
            return redirect("promotion-bio", slug=request.library.slug)
        if form.is_valid():
            with transaction.atomic():
                item = form.save()
                _sync_short_link(item)
                audit.record(f"promotion.{kind}_changed", library=request.library, obj=item, request=request,
                             fields=sorted(form.changed_data))
            messages.success(request, _("Saved."))
            return redirect("promotion-bio", slug=request.library.slug)
    return render(request, "promotion/bio_edit.html", {"form": form, "item": item, "kind": kind})


# --- The library report ------------------------------------------------------------------------


def _period(request):
    tz = ZoneInfo(request.library.time_zone)
    today = timezone.now().astimezone(tz).date()
    default = {"start": today.replace(day=1) - timedelta(days=90), "end": today + timedelta(days=90)}
    form = ReportPeriodForm(request.GET or None, initial=default)
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        start, end = default["start"], default["end"]
    return form, start, end, (datetime.combine(start, time.min, tz), datetime.combine(end + timedelta(days=1),
                                                                                       time.min, tz))


def _report_rows(report):
    for row in report:
        yield [row.event.title, row.event.starts_at.astimezone(ZoneInfo(row.event.time_zone)).strftime("%Y-%m-%d %H:%M"),
               row.event.capacity, row.registrations, row.confirmed, row.stream,
               f"{row.full_after_hours:.1f}" if row.full_after_hours is not None else "",
               "; ".join(f"{label} ({n})" for label, n in row.top_channels)]


@library_view()
@require_GET
def report(request):
    """Events in a period: registrations, time to fill and top channels; CSV with ?format=csv."""
    form, start, end, (since, until) = _period(request)
    rows = stats.library_report(request.library, since, until)
    if request.GET.get("format") == "csv":
        columns = [_("Event"), _("Starts"), _("Seats"), _("Registrations"), _("Confirmed"),
                   _("Live stream"), _("Full after (hours)"), _("Top channels")]
        return exports.response("csv", columns, _report_rows(rows),
                                f"laporan-{request.library.slug}-{start:%Y%m%d}-{end:%Y%m%d}", cache="private, no-cache")
    return render(request, "promotion/report.html", {"form": form, "rows": rows, "start": start, "end": end})
