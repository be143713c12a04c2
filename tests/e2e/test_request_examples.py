"""Every request body documented with examples (a schema model named
``…In`` or ``…Patch`` in ``api/schemas``) is in the OpenAPI document, and each
of its examples is a valid body."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import api.schemas
from tests.e2e.conftest import Engine


def documented_requests() -> list[tuple[str, Any]]:
    found = []
    for info in pkgutil.iter_modules(api.schemas.__path__):
        module = importlib.import_module(f"api.schemas.{info.name}")
        for name in dir(module):
            model = getattr(module, name)
            extra = getattr(model, "model_config", {}).get("json_schema_extra")
            if isinstance(extra, dict) and name.endswith(("In", "Patch")):
                found.append((name, model))
    return found


def test_every_request_example_is_a_valid_body(engine: Engine) -> None:
    schemas = engine.client.get("/openapi.json").json()["components"]["schemas"]
    requests = documented_requests()
    assert len(requests) > 30
    for name, model in requests:
        # two models of one name are listed under their module-qualified names
        assert name in schemas or any(k.endswith(f"__{name}") for k in schemas), name
        for example in model.model_config["json_schema_extra"]["examples"]:
            model.model_validate(example)
