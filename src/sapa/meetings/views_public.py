"""Zoom's webhook: signed by the library's secret token, refused when forged, stale or replayed."""

import json

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sapa.meetings import services
from sapa.meetings.models import ZoomAccount

MAX_BODY = 256 * 1024


@csrf_exempt
@require_POST
def zoom_webhook(request, key):
    account = ZoomAccount.objects.filter(webhook_key=key).select_related("library").first()
    if account is None or len(request.body) > MAX_BODY:
        return HttpResponse(status=404)
    body = request.body
    try:
        services.verify_webhook(
            account,
            timestamp=request.headers.get("x-zm-request-timestamp", ""),
            given=request.headers.get("x-zm-signature", ""),
            body=body,
        )
    except services.WebhookRefused:
        return HttpResponse(status=401)
    payload = json.loads(body)
    if payload.get("event") == "endpoint.url_validation":
        plain = str((payload.get("payload") or {}).get("plainToken") or "")
        return JsonResponse(services.url_validation(account, plain))
    services.handle_event(account, payload)
    return HttpResponse(status=204)
