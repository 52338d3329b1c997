"""The one JSON error body of the API, also answered by core's input checks under /api/."""

from django.http import JsonResponse


def error_response(request, status: int, code: str, message: str, details=None) -> JsonResponse:
    """The one error body of the API; `message` comes translated (gettext at the call)."""
    body = {"error": {"code": code, "message": str(message), "details": details}}
    return JsonResponse(body, status=status)
