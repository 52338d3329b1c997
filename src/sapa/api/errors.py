from django.http import JsonResponse
from ninja.errors import HttpError


class ApiError(HttpError):
    """An HttpError with a machine-readable code for the error body."""

    def __init__(self, status_code: int, code: str, message: str):
        super().__init__(status_code, message)
        self.code = code


def error_response(request, status: int, code: str, message: str, details=None) -> JsonResponse:
    """The one error body of the API; `message` comes translated (gettext at the call)."""
    body = {"error": {"code": code, "message": str(message), "details": details}}
    return JsonResponse(body, status=status)
