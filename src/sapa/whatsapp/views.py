"""WhatsApp pages: the library's Cloud API settings (admin), an event's messages and click-to-chat
links (staff), the webhook (Meta), and the participant's opt-out. Rules are in services."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from sapa.core import exports
from sapa.events.tenancy import event_view
from sapa.events.views_public import _manage_url, _registration
from sapa.libraries import audit
from sapa.libraries.models import Library, Role
from sapa.libraries.tenancy import library_view
from sapa.whatsapp import sending, services
from sapa.whatsapp.forms import AccountForm
from sapa.whatsapp.models import Account, Message, State

BY_HAND_KINDS = ("reminder_day", "reminder_hour", "confirmed", "link")


def _templates_for_staff(account):
    status = account.template_status if account else {}
    return [{"name": name, "category": sending.CATEGORY, "kinds": spec["kinds"],
             "variables": [(f"{{{{{n}}}}}", label) for n, label in
                           enumerate(spec.get("variables", sending.EVENT_VARIABLES), start=1)],
             "languages": [{"code": lang, "body": spec[lang], "status": status.get(f"{name}:{lang}", "")}
                           for lang in sending.LANGUAGES]}
            for name, spec in services.TEMPLATES.items()]


@library_view(Role.ADMIN)
@require_http_methods(["GET", "HEAD", "POST"])
def settings_page(request):
    account = Account.objects.filter(library=request.library).first()
    initial = {"daily_budget": 1000, "is_active": True}
    if account:
        initial = {"phone_number_id": account.phone_number_id, "daily_budget": account.daily_budget,
                   "business_account_id": account.business_account_id, "is_active": account.is_active}
    form = AccountForm(request.POST if request.method == "POST" else None, initial=initial,
                       has_secrets=bool(account and account.credentials_encrypted))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            account = services.save_account(
                request.library, phone_number_id=data["phone_number_id"],
                business_account_id=data["business_account_id"], access_token=data["access_token"].strip(),
                app_secret=data["app_secret"].strip(), daily_budget=data["daily_budget"],
                is_active=data["is_active"])
            audit.record("whatsapp.settings_changed", library=request.library, obj=account, request=request,
                         fields=sorted(form.changed_data))
        messages.success(request, _("WhatsApp settings saved."))
        return redirect("whatsapp-settings", slug=request.library.slug)
    webhook_url = request.build_absolute_uri(reverse("whatsapp-webhook", args=[request.library.slug]))
    return render(request, "whatsapp/settings.html", {
        "form": form, "account": account, "templates": _templates_for_staff(account),
        "webhook_url": webhook_url,
    }, status=400 if form.errors else 200)


@library_view(Role.ADMIN)
@require_POST
def test_page(request):
    account = get_object_or_404(Account, library=request.library)
    ok, message = services.test_connection(account)
    if ok:
        problems = [f"{k}: {v}" for k, v in account.template_status.items() if v != "APPROVED"]
        messages.success(request, _("Connected: %(account)s") % {"account": message})
        if problems:
            messages.warning(request, _("Templates not approved yet: %(list)s") % {"list": ", ".join(problems)})
    else:
        messages.error(request, _("The connection failed: %(reason)s") % {"reason": message})
    return redirect("whatsapp-settings", slug=request.library.slug)


@event_view(Role.STAFF)
def event_page(request, event):
    kind = request.GET.get("kind", "reminder_day")
    if kind not in BY_HAND_KINDS:
        kind = "reminder_day"
    rows = Message.objects.filter(event=event).select_related("registration").order_by("registration_id", "-id")
    latest = {}
    for message in rows:
        latest.setdefault(message.registration_id, []).append(message)
    totals = services.event_totals(event)
    return render(request, "whatsapp/event.html", {
        "event": event, "totals": totals, "can_retry": request.membership.has_role(Role.EDITOR),
        "totals_list": [(value, label, totals[value]) for value, label in State.choices if totals.get(value)],
        "per_registration": latest, "kind": kind, "kinds": BY_HAND_KINDS,
        "by_hand": services.by_hand(event, kind),
        "account": Account.objects.filter(library=request.library, is_active=True).first(),
    })


@event_view(Role.STAFF)
def event_csv(request, event):
    kind = request.GET.get("kind", "reminder_day")
    if kind not in BY_HAND_KINDS:
        kind = "reminder_day"
    audit.record("whatsapp.broadcast_exported", library=request.library, obj=event, request=request, kind=kind)
    header, rows = services.broadcast_table(services.by_hand(event, kind))
    # Without a byte-order mark, as this list was written before it moved to sapa.core.exports.
    return exports.response("csv", header, rows, f"whatsapp-{event.slug}-{kind}", bom=False)


@event_view(Role.EDITOR)
@require_POST
def message_retry(request, event, message_id):
    message = get_object_or_404(Message, pk=message_id, event=event, library=request.library,
                                state__in=[State.FAILED, State.UNCERTAIN])
    with transaction.atomic():
        services.retry_now(message)
        audit.record("whatsapp.message_retried", library=request.library, obj=event, request=request,
                     message=message.pk)
    messages.success(request, _("The WhatsApp message will be sent again."))
    return redirect("whatsapp-event", slug=request.library.slug, event_id=event.pk)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request, slug):
    """Meta's calls: the subscription handshake (GET) and signed deliveries (POST)."""
    library = Library.objects.filter(slug=slug).first()
    account = Account.objects.filter(library=library).select_related("library").first() if library else None
    try:
        if request.method == "GET":
            return HttpResponse(services.verify_handshake(account, request.GET), content_type="text/plain")
        if account is None:
            raise Http404
        result = services.handle_webhook(account, request.body, request.headers.get("X-Hub-Signature-256", ""))
    except services.WebhookRefused as refused:
        return HttpResponse(refused.reason, status=refused.status, content_type="text/plain")
    return HttpResponse(f"ok {result['statuses']}", content_type="text/plain")


@require_POST
def optout(request, public_id, token):
    """The participant stops WhatsApp messages from their personal page."""
    registration = _registration(public_id, token)
    if services.withdraw_consent(registration, by="participant"):
        messages.success(request, _("You will no longer get WhatsApp messages about this event."))
    return redirect(_manage_url(registration))
