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
from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from factories import make_event
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sapa.events import services as event_services
from sapa.events.models import Question, QuestionKind
from sapa.libraries.services import create_api_token
from sapa.social import services as social_services

EXAMPLES = int(os.environ.get("SAPA_FUZZ_EXAMPLES", "25"))
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


# Loaded when the module is collected (pytest-django has set Django up by then): the pytest
# plugin's fixture-based loader does not run on pytest 9.
# One string in five and one integer in five come from these dictionaries: the odd inputs that once
# ended in a 500 (NUL, control characters, U+FFFD, days out of range, ids past a bigint).
CONFIG = schemathesis.Config.from_dict(
    {
        "dictionaries": {
            "odd-text": {
                "values": [
                    "a\u0000b",
                    "\u0000",
                    "a\u0001b",
                    "\u001b[31m",
                    "\u0085",
                    "\ufffd",
                    "0001-01-01",
                    "9999-12-31",
                    "0001-01-01T00:00:00Z",
                    "9999-12-31T23:59:59Z",
                    str(2**64),
                ]
            },
            "odd-numbers": {"values": [2**63, 2**64, -(2**63) - 1, 0, -1]},
        },
        "generation": {
            "max-examples": EXAMPLES,
            "no-shrink": True,
            "allow-x00": True,
            "deterministic": True,
            "database": "none",
            "dictionaries": {
                "string": {"dictionary": "odd-text", "probability": 0.2},
                "integer": {"dictionary": "odd-numbers", "probability": 0.2},
            },
        },
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)


@pytest.fixture
def _keep_the_test_connection():
    """The WSGI handler closes "old" connections as each request starts, the test's too (inside its
    transaction, on PostgreSQL); Django's own test client turns that off the same way."""
    request_started.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)


@pytest.fixture
def world(_keep_the_test_connection, library, admin_user, settings):
    """A library with an open event (a question, categories, a registration), a channel and a post."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.SAPA_REGISTRATION_RATE = "100000/600"
    event = make_event(library, slug="diskusi", title="Diskusi", capacity=50, starts_at=timedelta(days=3),
                       registration_opens_at=timedelta(days=-1))
    Question.objects.create(event=event, label="Jabatan", kind=QuestionKind.SHORT_TEXT, position=0)
    event_services.register(
        event, name="Budi", email="budi@example.org", consent=True, source="staff"
    )
    channel = social_services.create_channel(
        library,
        network="telegram",
        name="Kanal",
        by=admin_user,
        credentials={"bot_token": "1:x", "chat_id": "@perpus"},
    )
    post = social_services.create_post(library, by=admin_user, title="Pos")
    social_services.add_variant(post, channel, by=admin_user, text="Halo")
    raw = create_api_token(admin_user, name="fuzz")[1]
    return {
        "slug": library.slug,
        "library": library.slug,
        "event_slug": event.slug,
        "post_id": post.pk,
        "channel_id": channel.pk,
        "token": raw,
    }


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_as_documented(case, world):
    # Three requests in four name the real objects (chosen by the request's own data, so a failure
    # reproduces); the fourth keeps the generated names (unknown ones: 404).
    if case.path_parameters and len(repr(case.query) + repr(case.body)) % 4:
        for name in case.path_parameters:
            if name in world:
                case.path_parameters[name] = world[name]
            if name == "slug" and "/events/" in case.path and "event_slug" not in case.path:
                case.path_parameters[name] = world["event_slug"]
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {world['token']}"}
    response = case.call()
    case.validate_response(response, checks=CHECKS)
