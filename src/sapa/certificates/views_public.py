"""Public pages: the verification page /v/<code>/ (opened by the QR code) and the
holder's download /v/<code>/<token>/.

The verification page shows what the certificate itself shows (name, event,
date, number, issuing library) and whether it is valid; nothing else about
the holder. Malformed, tampered and unknown codes get a 404 page that says so.
"""

import secrets

from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from sapa.certificates import codes, services
from sapa.certificates.models import Role


def _not_found(request, reason: str, raw: str):
    return render(request, "certificates/public/not_found.html", {"reason": reason, "code": raw[:40]},
                  status=404)


@never_cache
def verify(request, code):
    state, certificate = services.find_by_code(code)
    if certificate is None:
        return _not_found(request, state, code)
    event = certificate.event
    response = render(request, "certificates/public/verify.html", {
        "certificate": certificate, "event": event, "library": event.library,
        "role_label": Role(certificate.role).label, "code": codes.grouped(certificate.code),
        "replaced_by": certificate.replaced_by,
    })
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def download(request, code, token):
    state, certificate = services.find_by_code(code)
    if (certificate is None or not secrets.compare_digest(certificate.download_token, token)
            or not certificate.file):
        return _not_found(request, "unknown" if state != "invalid" else state, code)
    if certificate.revoked_at is not None:
        return verify(request, code)
    return FileResponse(certificate.file.open("rb"), content_type="application/pdf", as_attachment=True,
                        filename=services.file_name(certificate))
