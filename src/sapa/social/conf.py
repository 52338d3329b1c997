"""The social app's knobs: a Django setting of the same name wins, else the environment.

    SAPA_SOCIAL_PUBLISH_LEASE   seconds a publish may take before a sweep treats it as
                                abandoned by a dead worker and reconciles it (600)
    SAPA_SOCIAL_MAX_ATTEMPTS    publish attempts before a variant fails (6)
    SAPA_SOCIAL_RETRY_BASE      first retry delay in seconds, doubled each time, at most an hour (30)
    SAPA_SOCIAL_REVIEW_DAYS     days a review link stays valid (7)
    SAPA_SOCIAL_HTTP_TIMEOUT    seconds to wait for a network's answer (30)
"""

import os

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return int(value)


def lease_seconds() -> int:
    return _int("SAPA_SOCIAL_PUBLISH_LEASE", 600)


def max_attempts() -> int:
    return _int("SAPA_SOCIAL_MAX_ATTEMPTS", 6)


def retry_base_seconds() -> int:
    return _int("SAPA_SOCIAL_RETRY_BASE", 30)


def review_link_days() -> int:
    return _int("SAPA_SOCIAL_REVIEW_DAYS", 7)
