"""Every 4xx and 5xx under /api/v1/ has the JSON error body, and the OpenAPI document lists them."""

import json
import logging

import pytest
from django.test import Client

from sapa.libraries.services import create_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_client(admin_user, library):
    raw = create_api_token(admin_user, name="uji")[1]
    return Client(headers={"Authorization": f"Bearer {raw}"}, raise_request_exception=False)


def _error(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()["error"]
    assert body["code"] == code and body["message"]
    return body


def test_an_unknown_address_and_a_wrong_method_answer_json(api_client):
    _error(api_client.get("/api/v1/nothing/here"), 404, "not_found")
    _error(Client().get("/api/v1/"), 404, "not_found")
    response = api_client.delete("/api/v1/me")
    _error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_an_unexpected_error_answers_json_500_and_is_logged(api_client, monkeypatch, caplog):
    from sapa.libraries import api as libraries_api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(libraries_api, "_library_out", broken)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = api_client.get("/api/v1/libraries")
    body = _error(response, 500, "server_error")
    assert "boom" not in json.dumps(body)
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)


def test_the_document_lists_the_codes_each_operation_answers(client):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    paths = schema["paths"]
    post = paths["/api/v1/libraries/{slug}/social/posts/{post_id}"]
    assert {"200", "400", "401", "403", "404", "409", "415", "422"} <= set(
        post["patch"]["responses"]
    )
    assert {"200", "400", "401", "404", "422"} <= set(post["get"]["responses"])
    assert "415" not in post["get"]["responses"]
    me = paths["/api/v1/me"]["get"]["responses"]
    assert set(me) == {"200", "400", "401"}
    public = paths["/api/v1/events/{slug}/registrations"]["post"]["responses"]
    assert {"202", "404", "409", "415", "422", "429"} <= set(public) and "401" not in public
    export = paths["/api/v1/libraries/{slug}/events/{event_slug}/registrations/export"]["get"][
        "responses"
    ]
    assert "403" in export
    error = post["patch"]["responses"]["409"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorBody"} or "error" in json.dumps(error)
