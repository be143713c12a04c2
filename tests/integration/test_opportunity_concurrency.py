"""Opportunities under concurrency, on PostgreSQL: racing writers on one deal,
an idempotent retry storm, and engines starting at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from commands import accounts
from commands import opportunities as cmd
from commands.application import SalesApplication
from commands.base import (
    Caller,
    Conflict,
    Context,
    Outcome,
    StaleVersion,
    execute,
    load,
    save,
)
from commands.pipelines import ensure_default_pipeline
from domain.opportunity import Opportunity
from domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline
from infra.bootstrap import assemble
from infra.settings import Principal, Settings
from tests.services import drop_schema
from tests.unit.helpers import event_names

pytestmark = pytest.mark.postgres

WRITERS = 8
STORM = 20
ADMIN = Context(Caller("root", frozenset({"admin"})))
TOKENS = {"rep-token": Principal(name="ann", roles=("rep",))}
TARGETS = ["qualification", "proposal", "negotiation"]


class Engine:
    """One engine on its own schema; ``app()`` builds one more on it, as a
    second process would."""

    def __init__(self, url: str) -> None:
        self.url, self.schema = url, f"test_opp_{uuid4().hex[:12]}"
        self.settings = Settings(database_url=url, api_tokens=TOKENS)
        self.apps: list[SalesApplication] = []

    def app(self) -> SalesApplication:
        env = {**self.settings.persistence_env(), "SFA_DB_SCHEMA": self.schema}
        self.apps.append(SalesApplication(env=env))
        return self.apps[-1]

    def close(self) -> None:
        for app in self.apps:
            app.close()
        drop_schema(self.url, self.schema)


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = Engine(postgres_url)
    try:
        yield engine
    finally:
        engine.close()


def open_deal(app: SalesApplication) -> tuple[UUID, UUID]:
    """The default pipeline, an account and a deal in ``prospecting``."""
    ensure_default_pipeline(app)
    account = execute(
        accounts.open_account, app, accounts.OpenAccount(name="Acme"), ADMIN
    )
    command = cmd.OpenOpportunity(
        account_id=account.aggregate.id,
        name="Fleet",
        currency="EUR",
        expected_close_date="2027-03-31",  # type: ignore[arg-type]
    )
    deal = execute(cmd.open_opportunity, app, command, ADMIN)
    return account.aggregate.id, deal.aggregate.id


class TestConcurrentWriters:
    def test_from_one_loaded_version_exactly_one_move_is_recorded(
        self, engine: Engine
    ) -> None:
        """Given N writers that each loaded version 1 before any saved, when
        all move the deal, the store records one move and refuses the rest."""
        app = engine.app()
        _, deal_id = open_deal(app)
        loaded = threading.Barrier(WRITERS)

        def racing_move(
            app: SalesApplication, command: cmd.AdvanceStage, ctx: Context
        ) -> Outcome:
            deal = load(app, Opportunity, command.opportunity_id, ctx)
            pipeline = load(app, Pipeline, DEFAULT_PIPELINE_ID, ctx)
            loaded.wait(timeout=30)
            deal.move_to(pipeline, command.stage)
            return save(app, ctx, deal)

        def write(n: int) -> str:
            move = cmd.AdvanceStage(opportunity_id=deal_id, stage=TARGETS[n % 3])
            ctx = Context(ADMIN.caller, expected_version=1)
            try:
                execute(racing_move, app, move, ctx)
            except Conflict:
                return "conflict"
            return "recorded"

        with ThreadPoolExecutor(WRITERS) as pool:
            results = list(pool.map(write, range(WRITERS)))
        assert sorted(results) == ["conflict"] * (WRITERS - 1) + ["recorded"]
        assert event_names(app, deal_id) == ["Opened", "StageChanged"]
        assert app.repository.get(deal_id).version == 2

    def test_over_http_one_wins_and_the_others_get_409_or_412(
        self, engine: Engine
    ) -> None:
        app = engine.app()
        _, deal_id = open_deal(app)
        container = assemble(engine.settings, app)
        url = f"/opportunities/{deal_id}/stage"
        headers = {"Authorization": "Bearer rep-token", "If-Match": '"1"'}
        with TestClient(create_app(lambda: container)) as client:

            def move(n: int) -> int:
                body = {"stage": TARGETS[n % 3]}
                answer = client.post(url, json=body, headers=headers)
                return int(answer.status_code)

            with ThreadPoolExecutor(WRITERS) as pool:
                statuses = list(pool.map(move, range(WRITERS)))
            assert event_names(app, deal_id) == ["Opened", "StageChanged"]
        assert statuses.count(200) == 1, statuses
        assert set(statuses) <= {200, 409, 412}


class TestIdempotentRetryStorm:
    def test_twenty_parallel_repeats_record_one_deal(self, engine: Engine) -> None:
        app = engine.app()
        account_id, _ = open_deal(app)
        container = assemble(engine.settings, app)
        head = app.recorder.max_notification_id()
        body = {
            "account_id": str(account_id),
            "name": "Storm",
            "amount": "10.00",
            "currency": "EUR",
            "expected_close_date": "2027-01-31",
        }
        headers = {"Authorization": "Bearer rep-token", "Idempotency-Key": "storm-1"}
        with TestClient(create_app(lambda: container)) as client:

            def send(_: int) -> tuple[int, Any]:
                answer = client.post("/opportunities", json=body, headers=headers)
                return answer.status_code, answer.json()

            with ThreadPoolExecutor(STORM) as pool:
                answers = list(pool.map(send, range(STORM)))
            first = answers[0][1]
            assert app.recorder.max_notification_id() == (head or 0) + 1
            assert event_names(app, UUID(first["id"])) == ["Opened"]
        assert [status for status, _ in answers] == [201] * STORM, first
        assert all(reply == first for _, reply in answers)


class TestEnginesStartingAtOnce:
    def test_the_default_pipeline_is_created_once(self, engine: Engine) -> None:
        apps = [engine.app() for _ in range(4)]
        ready = threading.Barrier(len(apps))

        def start(app: SalesApplication) -> bool:
            ready.wait(timeout=30)
            return ensure_default_pipeline(app)

        with ThreadPoolExecutor(len(apps)) as pool:
            created = list(pool.map(start, apps))
        assert created.count(True) == 1
        assert event_names(apps[0], DEFAULT_PIPELINE_ID) == ["Created"]


def test_stale_version_is_refused_before_anything_is_written(engine: Engine) -> None:
    app = engine.app()
    _, deal_id = open_deal(app)
    move = cmd.AdvanceStage(opportunity_id=deal_id, stage="proposal")
    with pytest.raises(StaleVersion):
        execute(cmd.advance_stage, app, move, Context(ADMIN.caller, expected_version=3))
    assert event_names(app, deal_id) == ["Opened"]
