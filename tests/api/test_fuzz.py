"""Property-based fuzzing of every API operation, from the OpenAPI document the server serves.

Schemathesis (docs/decisions.md) reads /api/v1/openapi.json through the WSGI
application and, for each operation, generates requests: valid ones and
invalid ones (wrong types, huge numbers, odd strings with NUL, missing fields).
Every answer must be documented: no 5xx, only the status codes the document
lists for the operation, the content type it names, and a body that matches
its schema (the JSON error body for every error).

Half the requests name the test library, its event and its post, so that the
fuzzing reaches past the 404 of an unknown library; all carry a valid token
(the 401s are tested in tests/api/test_api_tokens.py).

Bounded for CI: SAPA_FUZZ_EXAMPLES examples per operation (default 25) and no
shrinking; about a minute per database. Run it alone:
`.venv/bin/pytest tests/api/test_fuzz.py -q` (add DATABASE_URL for PostgreSQL).
"""

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sapa.events import services as event_services
from sapa.events.models import Event, EventStatus, Question, QuestionKind
from sapa.libraries.services import create_api_token
from sapa.social import services as social_services

EXAMPLES = int(os.environ.get("SAPA_FUZZ_EXAMPLES", "25"))
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


# Loaded when the module is collected (pytest-django has set Django up by then): the pytest
# plugin's fixture-based loader does not run on pytest 9.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
schema.config.generation.update(max_examples=EXAMPLES, no_shrink=True, allow_x00=True, deterministic=True,
                                database="none")


@pytest.fixture
def world(library, admin_user, settings):
    """A library with an open event (a question, categories, a registration), a channel and a post."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.SAPA_REGISTRATION_RATE = "100000/600"
    now = timezone.now()
    event = Event.objects.create(library=library, slug="diskusi", title="Diskusi", capacity=50,
                                 starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2),
                                 status=EventStatus.PUBLISHED, registration_opens_at=now - timedelta(days=1))
    event_services.create_default_categories(event)
    Question.objects.create(event=event, label="Jabatan", kind=QuestionKind.SHORT_TEXT, position=0)
    event_services.register(event, name="Budi", email="budi@example.org", consent=True, source="staff")
    channel = social_services.create_channel(library, network="telegram", name="Kanal", by=admin_user,
                                             credentials={"bot_token": "1:x", "chat_id": "@perpus"})
    post = social_services.create_post(library, by=admin_user, title="Pos")
    social_services.add_variant(post, channel, by=admin_user, text="Halo")
    raw = create_api_token(admin_user, name="fuzz")[1]
    return {"slug": library.slug, "library": library.slug, "event_slug": event.slug, "post_id": post.pk,
            "channel_id": channel.pk, "token": raw}


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_as_documented(case, world):
    # Every other request names the real objects (by the request's own data, so it stays reproducible).
    if case.path_parameters and len(repr(case.query) + repr(case.body)) % 2 == 0:
        for name in case.path_parameters:
            if name in world:
                case.path_parameters[name] = world[name]
            if name == "slug" and "/events/" in case.path and "event_slug" not in case.path:
                case.path_parameters[name] = world["event_slug"]
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {world['token']}"}
    response = case.call()
    case.validate_response(response, checks=CHECKS)
