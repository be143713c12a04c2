"""Territories on PostgreSQL: two engines moving territories under each
other at once never make a cycle; the territories view's assignment
history answers "as of" a past moment and rebuilds to the same rows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import pytest

from commands import accounts as acc
from commands import territories as cmd
from commands import territory_assignment as assignment
from commands.application import SalesApplication
from commands.base import Caller, Conflict, Context, execute
from domain.base import RuleBroken
from domain.territory_map import TERRITORY_MAP_ID, TerritoryMap
from infra.view_store import PgViewStore
from projections.runner import Runner
from projections.territories import Territories
from projections.territories_query import periods
from tests.integration.engines import Engine, two_engines
from tests.view_rows import view_rows

pytestmark = pytest.mark.postgres

SCHEMA = "sfa_test_territories"
VIEWS = "sfa_test_territories_views"
ADMIN = Context(Caller("root", frozenset({"admin"})))


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    with two_engines(postgres_url, SCHEMA, VIEWS) as engines:
        yield engines


def create(app: SalesApplication, name: str, *rules: dict[str, Any]) -> UUID:
    command = cmd.CreateTerritory.model_validate({"name": name, "rules": rules})
    return UUID(str(execute(cmd.create_territory, app, command, ADMIN).aggregate.id))


def move(app: SalesApplication, child: UUID, parent: UUID, start: Any) -> str:
    command = cmd.ChangeTerritory(territory_id=child, parent_id=parent)
    start.wait()
    try:
        execute(cmd.change_territory, app, command, ADMIN)
    except Conflict:
        return "conflict"
    except RuleBroken as refused:
        return refused.rule
    return "moved"


def test_racing_moves_never_make_a_cycle(engine: Engine) -> None:
    """Given A and B, roots; when one engine moves A under B while the other
    moves B under A, at the same moment, ten times over: exactly one of each
    pair wins, and the map never holds a cycle."""
    one, two, _ = engine
    for round_ in range(10):
        a, b = create(one, f"A{round_}"), create(one, f"B{round_}")
        start = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(move, one, a, b, start)
            second = pool.submit(move, two, b, a, start)
            outcomes = sorted([first.result(), second.result()])
        assert outcomes in (["conflict", "moved"], ["moved", "territory_cycle"])
        tmap: Any = one.repository.get(TERRITORY_MAP_ID)
        assert isinstance(tmap, TerritoryMap)
        for tid in (a, b):
            assert tmap.parents[tmap.ancestors(tid)[-1]] is None


def everything(store: PgViewStore) -> dict[str, list[Any]]:
    return view_rows(store, Territories, "1, 2")


def test_history_as_of_and_rebuild(engine: Engine) -> None:
    """Given an account placed in EMEA, then realigned into Nordics: as of a
    moment before the realignment it was in EMEA, after it in Nordics; a
    rebuild of the view gives the same rows."""
    app, _, store = engine
    emea = create(app, "EMEA", {"name": "europe", "country": "SE"})
    command = acc.OpenAccount(name="Volvo", country="SE")
    account_id = execute(acc.open_account, app, command, ADMIN).aggregate.id
    nordics = create(app, "Nordics", {"name": "sweden", "country": "SE"})
    rules = cmd.SetTerritoryRules(territory_id=emea, rules=[])
    execute(cmd.set_territory_rules, app, rules, ADMIN)
    moves = assignment.plan(app, [account_id])
    assert [(m.to_territory_id, m.rule) for m in moves] == [(nordics, "sweden")]
    execute(assignment.apply_moves, app, assignment.ApplyMoves(moves=moves), ADMIN)
    Runner(Territories(), store, app).catch_up()
    with store.transaction() as cursor:
        first, second = periods(cursor, store.names(Territories), account_id=account_id)
        names = store.names(Territories)
        before = periods(cursor, names, as_of=first["effective_from"])
        after = periods(cursor, names, as_of=second["effective_from"])
    assert (first["territory"], second["territory"]) == ("EMEA", "Nordics")
    assert [p["territory"] for p in before] == ["EMEA"]
    assert [p["territory"] for p in after] == ["Nordics"]
    live = everything(store)
    Runner(Territories(), store, app, shadow=True, batch_size=2).catch_up()
    store.swap(Territories)
    assert everything(store) == live


def test_a_rule_changed_on_another_engine_places_the_next_account(
    engine: Engine,
) -> None:
    """Given engine one has placed an account (its map is cached), when
    engine two changes the rules, the next account engine one opens is
    placed by the new rules."""
    one, two, _ = engine
    emea = create(one, "EMEA", {"name": "sweden", "country": "SE"})
    first = execute(
        acc.open_account, one, acc.OpenAccount(name="A", country="SE"), ADMIN
    )
    assert first.aggregate.territory_rule == "sweden"
    rules = cmd.SetTerritoryRules(
        territory_id=emea, rules=[cmd.Rule(name="norway", country="NO")]
    )
    execute(cmd.set_territory_rules, two, rules, ADMIN)
    command = acc.OpenAccount(name="B", country="NO")
    second = execute(acc.open_account, one, command, ADMIN).aggregate
    assert (second.territory, second.territory_rule) == ("EMEA", "norway")
