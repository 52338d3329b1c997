"""The JSON API at /api/v1/: one NinjaAPI; each app has its own router, added in sapa/urls.py
(the project, which knows every app: this app imports none of them)."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from sapa.api.auth import TokenAuth
from sapa.api.errors import error_response

ERROR_BODY = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}},
    }},
}
# What every operation may answer besides its own codes (declared on its route: 403, 409, 429...).
COMMON_ERRORS = {
    400: "bad_request: a query or body that cannot be read (not UTF-8, a NUL), or an unknown filter value",
    401: "unauthorized: no valid API token",
    404: "not_found: no such library, event or object, or not one of yours",
    415: "unsupported_charset: a body in a character set other than UTF-8",
    422: "invalid: a parameter or the body does not match the schema; `details` names each field",
}


class SapaAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """Ninja's document, with the error codes every operation really answers and their one body."""
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorBody"] = ERROR_BODY
        for path, item in schema["paths"].items():
            for method, operation in item.items():
                codes = [400]
                if operation.get("security"):
                    codes.append(401)
                if "{" in path:
                    codes.append(404)
                if method in ("post", "put", "patch"):
                    codes.append(415)
                if operation.get("parameters") or "requestBody" in operation or method in ("post", "put", "patch"):
                    codes.append(422)
                responses = operation.setdefault("responses", {})
                for code in codes:
                    if code not in responses and str(code) not in responses:
                        responses[code] = {"description": COMMON_ERRORS[code], "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
        return schema


api = SapaAPI(
    title="Sapa API",
    version="1",
    description="Libraries, events and registrations. Authenticate with `Authorization: Bearer <token>`; "
    "create tokens on your account page. Errors always have the body "
    '`{"error": {"code": ..., "message": ..., "details": ...}}`.',
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return error_response(request, 401, "unauthorized", _("A valid API token is required."))


@api.exception_handler(ValidationError)
def _validation_error(request, exc):
    return error_response(request, 422, "invalid", _("The request is not valid."), details=exc.errors)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    code = getattr(exc, "code", None) or {400: "bad_request", 403: "forbidden", 404: "not_found",
                                           409: "conflict", 429: "rate_limited"}.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, str(exc.message))
