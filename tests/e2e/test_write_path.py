"""The HTTP write path: what the checks answer and in which order, and the
shape that keeps a write cheap (one hand-off to the thread pool, routes
matched without wrappers, the response made once) without changing what a
client sees, OpenAPI included."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args
from uuid import UUID, uuid4

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.routing import Route

from api import auth, deps, writes
from api.main import create_app
from commands import reps as rep_cmd
from commands.base import Caller, Context, execute
from infra.bootstrap import bootstrap
from infra.settings import Principal, Settings
from tests.e2e.conftest import OTHER_REP_ID, REP_ID, TOKENS, Engine
from tests.e2e.conftest import auth as token

ADA = {"given_name": "Ada", "family_name": "Lovelace"}
MANAGER_ID = UUID("0a0a0a0a-0000-4000-8000-0000000000aa")


def register(engine: Engine, who: str | None, **headers: str) -> Any:
    sent = {**(token(who) if who else {}), **headers}
    return engine.client.post("/contacts", json=ADA, headers=sent)


class TestOrderOfChecks:
    def test_no_token_is_a_401_before_the_headers_are_looked_at(
        self, engine: Engine
    ) -> None:
        answer = register(engine, None, **{"Idempotency-Key": "k" * 300})
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == 'Bearer realm="sfa"'

    def test_a_read_only_role_is_a_403_before_the_headers(self, engine: Engine) -> None:
        answer = register(engine, "analyst", **{"If-Match": "not a version"})
        assert answer.status_code == 403

    def test_an_idempotency_key_over_255_characters_is_a_422(
        self, engine: Engine
    ) -> None:
        answer = register(engine, "rep", **{"Idempotency-Key": "k" * 256})
        assert answer.status_code == 422
        assert answer.json()["errors"] == [
            {
                "field": "header.idempotency-key",
                "message": "String should have at most 255 characters",
            }
        ]
        assert engine.head() == 0
        assert register(engine, "rep", **{"Idempotency-Key": "k" * 255}).is_success

    def test_if_match_that_is_not_a_version_is_a_400_before_the_body(
        self, engine: Engine
    ) -> None:
        answer = engine.client.post(
            "/contacts",
            json={"given_name": 5},
            headers={**token("rep"), "If-Match": "yesterday"},
        )
        assert answer.status_code == 400
        assert engine.head() == 0


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Engine]:
    """A manager (with a rep id) whose team holds the other rep."""
    manager = Principal(name="meg", roles=("manager",), rep_id=MANAGER_ID)
    tokens = {**TOKENS, "team-manager-token": manager}
    settings = Settings(sqlite_path=tmp_path / "sfa.db", api_tokens=tokens)
    container = bootstrap(settings, seed=False)
    admin = Context(Caller("setup", frozenset({"admin"})))
    app = container.app
    for rep_id, name in [(REP_ID, "Ann"), (OTHER_REP_ID, "Bob"), (MANAGER_ID, "Meg")]:
        command = rep_cmd.RegisterRep(id=rep_id, name=name, email=f"{name}@sfa.dev")
        execute(rep_cmd.register_rep, app, command, admin)
    formed = rep_cmd.FormTeam(name="North", manager_id=MANAGER_ID)
    team_id = execute(rep_cmd.form_team, app, formed, admin).aggregate.id
    member = rep_cmd.AddTeamMember(team_id=team_id, rep_id=OTHER_REP_ID)
    execute(rep_cmd.add_team_member, app, member, admin)
    with TestClient(create_app(lambda: container)) as client:
        yield Engine(client, container)


class TestManagerWrites:
    """A manager's team is read from the store in the route's thread."""

    def owned_by(self, engine: Engine, owner: UUID) -> str:
        body = {**ADA, "owner_id": str(owner)}
        answer = engine.client.post("/contacts", json=body, headers=token("admin"))
        return str(answer.json()["id"])

    def test_a_manager_changes_what_their_team_owns(self, team: Engine) -> None:
        url = f"/contacts/{self.owned_by(team, OTHER_REP_ID)}"
        answer = team.client.patch(
            url, json={"title": "CTO"}, headers=token("team-manager")
        )
        assert answer.status_code == 200 and answer.json()["title"] == "CTO"

    def test_but_not_what_another_rep_owns(self, team: Engine) -> None:
        url = f"/contacts/{self.owned_by(team, REP_ID)}"
        head = team.head()
        answer = team.client.patch(
            url, json={"title": "CTO"}, headers=token("team-manager")
        )
        assert answer.status_code == 403 and team.head() == head


class TestShape:
    def test_dependencies_of_writes_and_reads_run_on_the_event_loop(self) -> None:
        """FastAPI runs a ``def`` dependency in its thread pool: one hand-off
        each, which cost more than the dependency."""
        checks = [get_args(alias)[1].dependency for alias in (auth.Reader, auth.Admin)]
        for call in (writes.write, writes.admin_write, deps.get_container, *checks):
            assert inspect.iscoroutinefunction(call), call

    def test_routes_sit_on_the_app_without_wrappers(self, engine: Engine) -> None:
        app: Any = engine.client.app
        assert all(isinstance(route, Route) for route in app.routes)

    def test_openapi_lists_the_write_headers_on_every_write(
        self, engine: Engine
    ) -> None:
        paths = engine.client.get("/openapi.json").json()["paths"]
        writing = [
            op for item in paths.values() for m, op in item.items() if m != "get"
        ]
        assert len(writing) > 30
        for operation in writing:
            params = {p["name"]: p for p in operation.get("parameters", [])}
            key = params["idempotency-key"]
            assert key["in"] == "header" and not key["required"]
            assert key["schema"]["anyOf"][0] == {"type": "string", "maxLength": 255}
            assert params["if-match"]["in"] == "header"

    def test_write_routes_are_api_routes_using_write(self, engine: Engine) -> None:
        app: Any = engine.client.app
        using = [
            route
            for route in app.routes
            if isinstance(route, APIRoute)
            and writes.write in {d.call for d in route.dependant.dependencies}
        ]
        assert len(using) > 20


class Answer(BaseModel):
    id: UUID
    name: str
    amount: Decimal
    at: datetime
    tags: list[str]
    version: int
    position: int | None = None


class TestResponse:
    def test_the_json_is_what_json_dumps_makes_of_the_model(self) -> None:
        """``respond`` lets pydantic write the JSON once; a client gets the
        same bytes as from ``JSONResponse(model_dump(mode="json"))``."""
        model = Answer(
            id=uuid4(),
            name='München "☃"\x00\u2028\t/',
            amount=Decimal("1250.00"),
            at=datetime(2030, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
            tags=["a", "ü"],
            version=1,
        )
        answer = writes.respond(model, 3, 42, 201)
        content = {**model.model_dump(mode="json"), "version": 3, "position": 42}
        made = json.dumps(
            content, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
        assert answer.body == made.encode()
        assert (answer.status_code, answer.headers["etag"]) == (201, '"3"')
        assert answer.headers["content-type"] == "application/json"
