"""Problem documents for errors raised inside a route."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api import problems


class Quantity(BaseModel):
    value: int


def test_a_model_a_route_builds_from_bad_input_is_a_422_not_a_500() -> None:
    app = FastAPI()
    problems.install(app)

    @app.get("/quantities/{raw}")
    def parse(raw: str) -> Quantity:
        return Quantity.model_validate({"value": raw})

    response = TestClient(app, raise_server_exceptions=False).get("/quantities/x")

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "value"
