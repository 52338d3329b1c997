"""Helpers of the news tests (import them: `from news_helpers import jpeg_upload`)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from testkit import client_for  # noqa: F401


def jpeg_upload(name="foto.jpg", size=(1200, 800), fmt="JPEG", colour=(200, 120, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(name, out.getvalue(), content_type=content_type)


def t(msgid: str, context: str | None = None) -> str:
    """A message as the pages show it (Indonesian unless the visitor chose otherwise)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return translation.pgettext(context, msgid) if context else translation.gettext(msgid)
