"""The territories view on the SQLite store: territory rows, accounts in a
territory, assignment periods that never overlap, and a rebuild that
equals the live view."""

from __future__ import annotations

import contextlib
from itertools import pairwise
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import accounts as acc
from commands import territories as cmd
from commands import territory_assignment as assignment
from commands.base import Caller, Context, execute
from domain.base import RuleBroken
from infra.view_store import SQLiteViewStore
from projections.runner import Runner
from projections.territories import Territories
from projections.territories_query import accounts, periods, territories
from tests.unit.helpers import memory_app, registered_rep, run
from tests.unit.test_territory import GERMANY, account, territory
from tests.view_rows import view_rows

ADMIN = Context(Caller("root", frozenset({"admin"})))


class World:
    def __init__(self, path: Path, batch: int = 100) -> None:
        self.app = memory_app()
        self.store = SQLiteViewStore(path / "views.db")
        self.runner = Runner(Territories(), self.store, self.app, batch_size=batch)

    def read(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self.runner.catch_up()
        with self.store.transaction() as cursor:
            return query(cursor, self.store.names(Territories), *args, **kwargs)


class TestTerritoriesView:
    def test_rows_follow_territories_and_accounts(self, tmp_path: Path) -> None:
        world = World(tmp_path)
        app = world.app
        emea = territory(app, "EMEA", None, GERMANY)
        ann = registered_rep(app)
        owner = cmd.AssignTerritoryRep(territory_id=emea, rep_id=ann, role="owner")
        run(app, cmd.assign_territory_rep, owner)
        placed = account(app, country="DE", postcode="10115", employees=40)
        (row,) = world.read(territories, search="emea").rows
        assert (row["rules"], str(row["owner_rep_id"]), row["version"]) == (
            1,
            str(ann),
            2,
        )
        (held,) = world.read(accounts, emea).rows
        assert (str(held["account_id"]), held["rule"], held["employees"]) == (
            str(placed.id),
            "germany",
            40,
        )

    def test_periods_close_when_the_account_moves(self, tmp_path: Path) -> None:
        world = World(tmp_path)
        app = world.app
        emea = territory(app, "EMEA", None, GERMANY)
        placed = account(app, country="DE", territory="legacy")
        moved = acc.ChangeAccountDetails(account_id=placed.id, country="FR")
        run(app, acc.change_account_details, moved)
        text = acc.MoveAccountTerritory(account_id=placed.id, territory="south")
        run(app, acc.move_account_territory, text)
        opened, first, second = world.read(periods, account_id=placed.id)
        assert opened["territory"] == "legacy"  # as opened, replaced at once
        assert opened["to_position"] == first["from_position"]
        assert (first["territory"], first["rule"], str(first["territory_id"])) == (
            "EMEA",
            "germany",
            str(emea),
        )
        assert first["effective_to"] < second["effective_from"]  # none between
        assert (second["territory"], second["rule"], second["effective_to"]) == (
            "south",
            None,
            None,
        )
        rest = world.read(periods, after=opened["from_position"], limit=1)
        assert rest == [first]  # paging: after a period's position
        at_first = world.read(periods, as_of=first["effective_from"])
        assert [p["territory"] for p in at_first] == ["EMEA"]  # not "legacy"


def everything(world: World) -> dict[str, list[Any]]:
    return view_rows(world.store, Territories, "1, 2")


STEPS = st.lists(
    st.sampled_from(
        ["territory", "account", "move", "rules", "manual", "rep", "realign",
         "rename", "catch_up"]
    ),
    max_size=25,
)  # fmt: skip
COUNTRIES = ["DE", "FR", "IT"]


def random_step(world: World, step: str, made: dict[str, list[Any]]) -> None:
    app, ts, accs = world.app, made["t"], made["a"]
    n = len(ts) + len(accs)
    if step == "territory":
        rule = {"name": f"r{n}", "country": COUNTRIES[n % 3]}
        ts.append(territory(app, f"T{n}", ts[-1] if ts and n % 2 else None, rule))
    elif step == "account":
        accs.append(account(app, country=COUNTRIES[n % 3]).id)
    elif step == "catch_up":
        world.runner.catch_up()
    elif step == "move" and accs:
        change = acc.ChangeAccountDetails(account_id=accs[n % len(accs)], country="IT")
        run(app, acc.change_account_details, change)
    elif step == "realign":
        moves = assignment.plan(app, accs)
        execute(assignment.apply_moves, app, assignment.ApplyMoves(moves=moves), ADMIN)
    elif ts and step in ("rules", "manual", "rep", "rename"):
        tid = ts[n % len(ts)]
        commands: dict[str, tuple[Any, Any]] = {
            "rules": (
                cmd.set_territory_rules,
                cmd.SetTerritoryRules(
                    territory_id=tid, rules=[cmd.Rule(name="x", country="IT")]
                ),
            ),
            "rename": (
                cmd.change_territory,
                cmd.ChangeTerritory(territory_id=tid, name=f"N{n}"),
            ),
            "rep": (
                cmd.assign_territory_rep,
                cmd.AssignTerritoryRep(
                    territory_id=tid, rep_id=registered_rep(app), role="overlay"
                ),
            ),
        }
        if step == "manual" and accs:
            manual = cmd.AssignTerritoryAccount(territory_id=tid, account_id=accs[0])
            run(app, cmd.assign_territory_account, manual)
        elif step in commands:
            handler, command = commands[step]
            with contextlib.suppress(RuleBroken):
                run(app, handler, command)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS, batch=st.integers(1, 7))
def test_rebuilt_view_equals_the_live_one(
    tmp_path_factory: Any, steps: list[str], batch: int
) -> None:
    """Given random territory and account commands with the live view
    catching up at random moments in random batch sizes, a rebuild from zero
    gives the same rows; each account has at most one open period, and its
    account row names the territory its aggregate has."""
    world = World(tmp_path_factory.mktemp("territories"), batch)
    made: dict[str, list[Any]] = {"t": [], "a": []}
    for step in steps:
        random_step(world, step, made)
    world.runner.catch_up()
    before = everything(world)

    shadow = Runner(Territories(), world.store, world.app, shadow=True, batch_size=3)
    shadow.catch_up()
    world.store.swap(Territories)

    assert everything(world) == before
    for account_id in made["a"]:
        found: Any = world.app.repository.get(account_id)
        spans = world.read(periods, account_id=account_id)
        open_ = [p for p in spans if p["effective_to"] is None]
        assert [p["territory"] for p in open_] == (
            [found.territory] if found.territory else []
        )
        for earlier, later in pairwise(spans):
            assert earlier["effective_to"] <= later["effective_from"]
    for row in world.read(territories, limit=500).rows:
        assert UUID(str(row["territory_id"])) in made["t"]
