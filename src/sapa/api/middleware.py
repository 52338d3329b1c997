import logging

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from sapa.api.errors import error_response

API_PREFIX = "/api/v1/"
logger = logging.getLogger("django.request")
HANDLED_BY_DJANGO = (
    Http404,
    PermissionDenied,
    BadRequest,
    SuspiciousOperation,
    MultiPartParserError,
)


class ApiErrorBodyMiddleware:
    """Every 4xx and 5xx under /api/v1/ has the API's JSON error body.

    The routers' handlers (sapa.api.urls) answer what they raise; this covers
    what happens around them: an address no operation has (404), a method an
    operation does not take (405), and an error no handler expected (500, logged
    with its traceback as Django logs it).
    """

    GENERIC = {
        404: ("not_found", lambda: _("Not found.")),
        405: ("method_not_allowed", lambda: _("This method is not allowed here.")),
        500: (
            "server_error",
            lambda: _("Something went wrong on the server; it has been logged. Try again later."),
        ),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            code, message = self.GENERIC.get(status, ("error", lambda: response.reason_phrase))
            replaced = error_response(request, status, code, message())
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response

    def process_exception(self, request, exception):
        # Django answers these itself (404, 403, 400); __call__ gives them the JSON body.
        if not request.path.startswith(API_PREFIX) or isinstance(exception, HANDLED_BY_DJANGO):
            return None
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        return error_response(request, 500, "server_error", self.GENERIC[500][1]())
