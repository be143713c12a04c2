"""Training and coaching on PostgreSQL: a rep's development read and a
rebuild of the development view; one completion per rep when two engines
record it at once."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from commands import training as cmd
from commands.application import SalesApplication
from commands.base import Conflict
from domain.base import RuleBroken
from infra.view_store import PgViewStore
from projections.development import Development
from projections.development_query import development
from projections.runner import Runner
from tests.integration.engines import Engine, two_engines
from tests.unit.helpers import ADMIN, event_names, registered_rep, run
from tests.unit.test_training import DAY, complete, programme
from tests.view_rows import view_rows

pytestmark = pytest.mark.postgres

SCHEMA = "sfa_test_development"
VIEWS = "sfa_test_development_views"


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    with two_engines(postgres_url, SCHEMA, VIEWS) as engines:
        yield engines


def rows(store: PgViewStore) -> list[Any]:
    return list(view_rows(store, Development, "1, 2").values())


def test_development_and_a_rebuild(engine: Engine) -> None:
    app, _, store = engine
    ann, meg = registered_rep(app), registered_rep(app)
    pid = programme(app)
    complete(app, pid, ann, score=77)
    for days in (0, 7):
        command = cmd.LogCoaching(
            rep_id=ann, manager_id=meg, topic=f"t{days}", held_on=DAY + timedelta(days)
        )
        run(app, cmd.log_coaching, command, ADMIN)
    Runner(Development(), store, app).catch_up()
    with store.transaction() as cursor:
        found = development(cursor, store.names(Development), ann)
    assert [(t["programme_id"], t["score"]) for t in found["training"]] == [(pid, 77)]
    assert [c["topic"] for c in found["coaching"]] == ["t7", "t0"]

    before = rows(store)
    Runner(Development(), store, app, shadow=True).catch_up()
    store.swap(Development)
    assert rows(store) == before


def test_one_completion_when_two_engines_record_it(engine: Engine) -> None:
    one, two, _ = engine
    ann, pid = registered_rep(one), programme(one)

    def attempt(app: SalesApplication) -> str:
        try:
            complete(app, pid, ann)
        except (Conflict, RuleBroken) as refused:
            return type(refused).__name__
        return "recorded"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, [one, two] * 4))
    assert outcomes.count("recorded") == 1
    assert event_names(one, pid) == ["Launched", "CompletionRecorded"]
