"""An HTTP client on a fresh engine, with one token per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from commands.application import SalesApplication
from commands.base import Caller, Context, execute
from commands.reps import RegisterRep, register_rep
from infra.bootstrap import Container, bootstrap
from infra.settings import Principal, Settings

REP_ID = UUID("0a0a0a0a-0000-4000-8000-000000000001")
OTHER_REP_ID = UUID("0a0a0a0a-0000-4000-8000-000000000002")
TOKENS = {
    "admin-token": Principal(name="root", roles=("admin",)),
    "rep-token": Principal(name="ann", roles=("rep",), rep_id=REP_ID),
    "other-rep-token": Principal(name="bob", roles=("rep",), rep_id=OTHER_REP_ID),
    "manager-token": Principal(name="meg", roles=("manager",)),
    "analyst-token": Principal(name="ana", roles=("analyst",)),
    "auditor-token": Principal(name="aud", roles=("auditor",)),
    "service-token": Principal(name="billing", roles=("service",)),
}


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {role}-token"}


class Engine:
    def __init__(self, client: TestClient, container: Container) -> None:
        self.client = client
        self.container = container

    def head(self) -> int:
        return self.container.app.recorder.max_notification_id() or 0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    settings = Settings(sqlite_path=tmp_path / "sfa.db", api_tokens=TOKENS)
    container = bootstrap(settings, seed=False)  # an empty log: tests count events
    with TestClient(create_app(lambda: container)) as client:
        yield Engine(client, container)


@pytest.fixture
def reps(engine: Engine) -> Engine:
    """The engine, where the reps behind the rep tokens exist (owners must be
    active reps): two events, recorded by an admin."""
    register_token_reps(engine.container.app)
    return engine


def register_token_reps(app: SalesApplication) -> None:
    """The reps behind the rep tokens, registered by an admin."""
    admin = Context(Caller("setup", frozenset({"admin"})))
    for rep_id, name in [(REP_ID, "Ann"), (OTHER_REP_ID, "Bob")]:
        command = RegisterRep(id=rep_id, name=name, email=f"{name.lower()}@sfa.dev")
        execute(register_rep, app, command, admin)


@pytest.fixture
def running(reps: Engine) -> Iterator[Engine]:
    """The engine with its views following the log."""
    reps.container.projections.start()
    yield reps
    reps.container.projections.stop()


def post(engine: Engine, path: str, body: dict[str, Any]) -> Any:
    """A write as the rep that must succeed; its body."""
    answer = engine.client.post(path, json=body, headers=auth("rep"))
    assert answer.status_code in (200, 201), answer.text
    return answer.json()
