"""The API describes itself at /api/v1/openapi.json."""

import json


def test_openapi_lists_the_paths(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Sapa API"
    for path in ("/api/v1/me", "/api/v1/libraries", "/api/v1/libraries/{slug}"):
        assert path in schema["paths"], path
        assert "get" in schema["paths"][path]
    # Every endpoint says it needs the bearer token.
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
