"""Site-wide middleware: the language rule and security headers."""

from django.conf import settings
from django.utils import translation

# Public pages load nothing from elsewhere: scripts, styles, images and forms
# all stay on this origin.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


class LanguageMiddleware:
    """Indonesian unless the visitor chose otherwise with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language; most of our
    users' phones say English while they read Indonesian, so only an explicit
    choice counts: the language cookie that the switch (/i18n/setlang/) sets.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if lang not in self.supported:
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        patch_vary = response.headers.get("Vary", "")
        if "Cookie" not in patch_vary:
            response.headers["Vary"] = f"{patch_vary}, Cookie" if patch_vary else "Cookie"
        translation.deactivate()
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy and a few headers Django 5.2 does not set itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
