"""Recruiting on PostgreSQL: the funnel's hand-computed figures and a
rebuild of the recruiting view, and first hiring plans drawn up at once by
two engines (the recruiting pipeline is created once, no plan is refused)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from commands.application import SalesApplication
from domain.pipeline import RECRUITING_PIPELINE_ID
from infra.view_store import PgViewStore
from projections.recruiting import Recruiting
from projections.runner import Runner
from tests.integration.engines import Engine, two_engines
from tests.unit.helpers import event_names
from tests.unit.test_recruiting import plan
from tests.unit.test_recruiting_view import World, fixture
from tests.view_rows import view_rows

pytestmark = pytest.mark.postgres

SCHEMA = "sfa_test_recruiting"
VIEWS = "sfa_test_recruiting_views"


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    with two_engines(postgres_url, SCHEMA, VIEWS) as engines:
        yield engines


class PgWorld(World):
    def __init__(self, app: SalesApplication, store: PgViewStore) -> None:
        self.app = app
        self.store = store  # type: ignore[assignment]
        self.runner = Runner(Recruiting(), store, app)


def rows(store: PgViewStore) -> list[Any]:
    return list(view_rows(store, Recruiting, "1, 2").values())


def test_the_funnel_and_a_rebuild(engine: Engine) -> None:
    app, _, store = engine
    world = PgWorld(app, store)
    a, _ = fixture(world)
    funnel = world.funnel(a)
    board = funnel["job_board", "EUR"]
    assert list(board.stages.values()) == [3, 2, 2, 2, 1]
    assert (board.candidates, board.offers, board.hires) == (3, 2, 1)
    assert (board.cost, board.cost_per_hire) == (Decimal("505.65"), Decimal("505.65"))
    referral = funnel["referral", "EUR"]
    assert (referral.hires, referral.cost_per_hire) == (1, Decimal("300.00"))
    assert world.funnel()["job_board", "USD"].cost == Decimal("10")

    before = rows(store)
    Runner(Recruiting(), store, app, shadow=True).catch_up()
    store.swap(Recruiting)
    assert rows(store) == before


def test_first_plans_drawn_up_at_once_all_land(engine: Engine) -> None:
    one, two, _ = engine
    apps = [one, two] * 4
    with ThreadPoolExecutor(len(apps)) as pool:
        plan_ids = list(pool.map(plan, apps))
    assert len(set(plan_ids)) == len(apps)
    assert event_names(one, RECRUITING_PIPELINE_ID) == ["Created"]
