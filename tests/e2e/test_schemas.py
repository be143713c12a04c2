"""``GET /schemas`` and ``GET /schemas/{type}``."""

from __future__ import annotations

import pytest

from infra.kafka.schemas import catalogue
from tests.e2e.conftest import Engine, auth


class TestSchemas:
    def test_lists_every_published_event_type(self, engine: Engine) -> None:
        answer = engine.client.get("/schemas", headers=auth("analyst"))
        assert answer.status_code == 200
        types = answer.json()["types"]
        assert [t["type"] for t in types] == sorted(catalogue())
        registered = next(t for t in types if t["type"] == "sfa.contact.registered.v1")
        assert registered == {
            "type": "sfa.contact.registered.v1",
            "aggregate": "contact",
            "event": "Registered",
            "version": 1,
            "topic_suffix": "contact",
            "schema_url": "/schemas/sfa.contact.registered.v1",
        }

    def test_serves_the_json_schema_of_one_type(self, engine: Engine) -> None:
        answer = engine.client.get(
            "/schemas/sfa.contact.registered.v1", headers=auth("rep")
        )
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/schema+json")
        schema = answer.json()
        assert schema["$id"] == "/schemas/sfa.contact.registered.v1"
        assert schema["properties"]["emails"]["type"] == "array"
        assert "given_name" in schema["required"]
        assert "actor" not in schema["properties"]  # envelope, not data
        # published sealed: the box is described, the personal fields named
        assert "_personal" not in schema["required"]
        box = schema["properties"]["_personal"]
        assert box["required"] == ["subject", "fields"]
        assert "given_name" in box["properties"]["fields"]["items"]["enum"]
        assert "given_name" in schema["x-personal-fields"]

    def test_an_unknown_type_is_a_404_problem(self, engine: Engine) -> None:
        answer = engine.client.get("/schemas/sfa.nothing.v1", headers=auth("rep"))
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        assert "GET /schemas" in answer.json()["detail"]

    @pytest.mark.parametrize("path", ["/schemas", "/schemas/sfa.contact.renamed.v1"])
    def test_needs_a_token(self, engine: Engine, path: str) -> None:
        assert engine.client.get(path).status_code == 401
        bad = {"Authorization": "Bearer nope"}
        assert engine.client.get(path, headers=bad).status_code == 401

    @pytest.mark.parametrize(
        "role", ["rep", "manager", "analyst", "auditor", "admin", "service"]
    )
    def test_every_role_may_read_them(self, engine: Engine, role: str) -> None:
        assert engine.client.get("/schemas", headers=auth(role)).status_code == 200
