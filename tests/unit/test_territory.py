"""Territories: rules and the choice of territory, the hierarchy without
cycles, placing accounts on open and change, manual assignment, reps, and
a realignment previewed then applied."""

from __future__ import annotations

import contextlib
import random
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import accounts as acc
from commands import territories as cmd
from commands import territory_assignment as assignment
from commands.application import SalesApplication
from commands.base import Caller, Context, Forbidden
from domain.account import Account
from domain.base import RuleBroken, public_type
from domain.territory_map import TERRITORY_MAP_ID, TerritoryMap
from domain.territory_rules import Candidate, choose, matches
from tests.unit.helpers import event_names, events_of, memory_app, registered_rep, run


def territory(
    app: SalesApplication, name: str, parent: UUID | None = None, *rules: Any
) -> UUID:
    command = cmd.CreateTerritory(name=name, parent_id=parent, rules=list(rules))
    return UUID(str(run(app, cmd.create_territory, command).aggregate.id))


def account(app: SalesApplication, **fields: Any) -> Account:
    command = acc.OpenAccount(name="Acme", **fields)
    found: Account = run(app, acc.open_account, command).aggregate
    return found


BERLIN = {"name": "berlin", "country": "DE", "postcode_prefix": "10"}
GERMANY = {"name": "germany", "country": "de"}


class TestRules:
    def test_every_criterion_must_match(self) -> None:
        rule = {"name": "r", "country": "DE", "min_employees": 50}
        assert matches(rule, {"country": "de", "employees": 50})
        assert not matches(rule, {"country": "de", "employees": None})
        assert not matches(rule, {"country": "fr", "employees": 500})
        prefix = {"name": "p", "postcode_prefix": "SW1"}
        assert matches(prefix, {"postcode": "sw1a 1aa"})
        assert not matches(prefix, {"postcode": None})

    @pytest.mark.parametrize(
        ("rules", "rule"),
        [
            ([{"name": "x"}], "rule_needs_criterion"),
            ([GERMANY, GERMANY], "rule_name_taken"),
            ([{"name": "manual", "country": "DE"}], "rule_name_reserved"),
            (
                [{"name": "s", "min_employees": 9, "max_employees": 3}],
                "rule_size_bounds",
            ),
        ],
    )
    def test_bad_rules_are_refused(self, rules: list[Any], rule: str) -> None:
        app = memory_app()
        tid = territory(app, "T")
        command = cmd.SetTerritoryRules.model_construct(territory_id=tid, rules=[])
        object.__setattr__(
            command, "rules", [cmd.Rule.model_construct(**r) for r in rules]
        )
        with pytest.raises(RuleBroken) as refused:
            run(app, cmd.set_territory_rules, command)
        assert refused.value.rule == rule
        assert event_names(app, tid) == ["Created"]


CANDIDATE = st.builds(
    Candidate,
    territory_id=st.uuids(),
    name=st.sampled_from(["a", "b", "c"]),
    depth=st.integers(0, 3),
    rules=st.lists(
        st.fixed_dictionaries(
            {"name": st.sampled_from(["r1", "r2"])},
            optional={
                "country": st.sampled_from(["DE", "FR"]),
                "postcode_prefix": st.sampled_from(["1", "10", "2"]),
                "min_employees": st.integers(0, 100),
            },
        ),
        max_size=3,
    ).map(tuple),
    accounts=st.just(frozenset()),
)
ACCOUNT = st.fixed_dictionaries(
    {
        "country": st.sampled_from(["DE", "FR", None]),
        "postcode": st.sampled_from(["10115", "20095", None]),
        "employees": st.integers(0, 200) | st.none(),
    }
)


@settings(max_examples=200)
@given(st.lists(CANDIDATE, max_size=5), ACCOUNT, st.randoms())
def test_choose_is_order_free_and_picks_a_matching_rule(
    found: list[Candidate], profile: dict[str, Any], rnd: random.Random
) -> None:
    """Given any territories, the choice does not depend on their order, and
    the rule chosen matches the account and is at least as deep as any other
    matching territory."""
    account_id = uuid4()
    choice = choose(found, account_id, profile)
    shuffled = list(found)
    rnd.shuffle(shuffled)
    assert choose(shuffled, account_id, profile) == choice
    hits = [(c, r) for c in found for r in c.rules if matches(r, profile)]
    assert (choice is None) == (not hits)
    if choice is not None:
        chosen = [(c, r) for c, r in hits if c.territory_id == choice.territory_id]
        assert any(r["name"] == choice.rule for _, r in chosen)
        assert chosen[0][0].depth == max(c.depth for c, _ in hits)


@settings(max_examples=100)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(-1, 5)), max_size=30))
def test_the_map_never_holds_a_cycle(moves: list[tuple[int, int]]) -> None:
    """Given random placements (territory i under j, -1: a root), refused
    ones change nothing and every territory's ancestry ends at a root."""
    ids = [uuid4() for _ in range(6)]
    tmap = TerritoryMap.start()
    for child, parent in moves:
        try:
            tmap.place(ids[child], f"t{child}", None if parent < 0 else ids[parent])
        except RuleBroken as e:
            assert e.rule in ("territory_cycle", "unknown_parent")
    for tid in tmap.parents:
        chain = tmap.ancestors(tid)
        assert tmap.parents[chain[-1]] is None


class TestTerritoryCommands:
    def test_create_places_it_on_the_map_and_names_are_unique(self) -> None:
        app = memory_app()
        emea = territory(app, "EMEA")
        dach = territory(app, "DACH", emea, BERLIN)
        with pytest.raises(RuleBroken, match="another territory") as refused:
            territory(app, "dach")
        assert refused.value.rule == "territory_name_taken"
        event = events_of(app, dach)[0]
        assert public_type(type(event)) == "sfa.territory.created.v1"
        change = cmd.ChangeTerritory(territory_id=emea, parent_id=dach)
        with pytest.raises(RuleBroken) as cycle:
            run(app, cmd.change_territory, change)
        assert cycle.value.rule == "territory_cycle"

    def test_reps_need_a_manager_and_one_owner(self) -> None:
        app = memory_app()
        tid, ann, bob = territory(app, "T"), registered_rep(app), registered_rep(app)
        owner = cmd.AssignTerritoryRep(territory_id=tid, rep_id=ann, role="owner")
        with pytest.raises(Forbidden):
            run(app, cmd.assign_territory_rep, owner, Caller("r", frozenset({"rep"})))
        run(app, cmd.assign_territory_rep, owner)
        second = cmd.AssignTerritoryRep(territory_id=tid, rep_id=bob, role="owner")
        with pytest.raises(RuleBroken) as refused:
            run(app, cmd.assign_territory_rep, second)
        assert refused.value.rule == "territory_has_owner"
        overlay = cmd.AssignTerritoryRep(territory_id=tid, rep_id=bob, role="overlay")
        found = run(app, cmd.assign_territory_rep, overlay).aggregate
        assert found.reps == {ann: "owner", bob: "overlay"}


class TestPlacingAccounts:
    def test_a_new_account_is_placed_by_the_most_specific_rule(self) -> None:
        app = memory_app()
        emea = territory(app, "EMEA", None, GERMANY)
        berlin = territory(app, "Berlin", emea, BERLIN)
        opened = account(app, country="de", postcode="10115", territory="old")
        assert (opened.territory, opened.territory_id, opened.territory_rule) == (
            "Berlin",
            berlin,
            "berlin",
        )
        names = event_names(app, opened.id)
        assert names[-2:] == ["TerritoryChanged", "TerritoryAssigned"]
        assigned = events_of(app, opened.id)[-1]
        assert public_type(type(assigned)) == "sfa.account.territory_assigned.v1"

    def test_a_change_moves_it_and_no_match_unassigns(self) -> None:
        app = memory_app()
        territory(app, "EMEA", None, GERMANY)
        opened = account(app, country="DE")
        change = acc.ChangeAccountDetails(account_id=opened.id, country="FR")
        moved = run(app, acc.change_account_details, change).aggregate
        assert (moved.territory, moved.territory_id, moved.country) == (
            None,
            None,
            "FR",
        )

    def test_free_text_is_kept_when_no_territory_claims_it(self) -> None:
        app = memory_app()
        territory(app, "EMEA", None, GERMANY)
        assert account(app, country="US", territory="americas").territory == "americas"
        placed = account(app, country="DE")
        text = acc.MoveAccountTerritory(account_id=placed.id, territory="south")
        moved = run(app, acc.move_account_territory, text).aggregate
        assert (moved.territory, moved.territory_id, moved.territory_rule) == (
            "south",
            None,
            None,
        )
        (move,) = assignment.plan(app, [placed.id])
        assert (move.from_territory, move.to_territory) == ("south", "EMEA")

    def test_manual_assignment_wins_and_moves_between_territories(self) -> None:
        app = memory_app()
        emea = territory(app, "EMEA", None, GERMANY)
        other = territory(app, "Key accounts")
        opened = account(app, country="DE")
        for tid in (emea, other):
            assign = cmd.AssignTerritoryAccount(territory_id=tid, account_id=opened.id)
            run(app, cmd.assign_territory_account, assign)
        now: Any = app.repository.get(opened.id)
        assert (now.territory, now.territory_rule) == ("Key accounts", "manual")
        assert app.repository.get(emea).accounts == []
        release = cmd.ReleaseTerritoryAccount(territory_id=other, account_id=opened.id)
        run(app, cmd.release_territory_account, release)
        now = app.repository.get(opened.id)
        assert (now.territory, now.territory_rule) == ("EMEA", "germany")


class TestRealign:
    def test_preview_then_apply_then_nothing_left(self) -> None:
        app = memory_app()
        emea = territory(app, "EMEA", None, GERMANY)
        ids = [account(app, country=c).id for c in ("DE", "FR", "DE")]
        france = cmd.Rule(name="france", country="FR")
        rules = cmd.SetTerritoryRules(territory_id=emea, rules=[france])
        run(app, cmd.set_territory_rules, rules)
        moves = assignment.plan(app, ids)
        assert sorted(str((m.to_territory, m.rule)) for m in moves) == [
            "('EMEA', 'france')",
            "(None, None)",
            "(None, None)",
        ]
        head = app.recorder.max_notification_id()
        assert assignment.plan(app, ids) == moves  # a preview records nothing
        assert app.recorder.max_notification_id() == head
        ctx = Context(Caller("root", frozenset({"admin"})))
        from commands.base import execute

        execute(assignment.apply_moves, app, assignment.ApplyMoves(moves=moves), ctx)
        assert assignment.plan(app, ids) == []
        assert assignment.plan_digest([]) != assignment.plan_digest(moves)


OPS = st.lists(
    st.tuples(
        st.sampled_from(["create", "move", "pin", "release", "rules"]),
        st.integers(0, 3),
        st.integers(0, 3),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(OPS)
def test_command_sequences_keep_map_territories_and_accounts_agreeing(
    ops: list[tuple[str, int, int]],
) -> None:
    """Given random creates, moves, manual assignments, releases and rule
    changes (refused ones record nothing), the map and the territories agree
    on every manual account, each account is in at most one territory's
    list, and an account assigned by hand is in that territory."""
    app = memory_app()
    ts: list[UUID] = []
    accs = [account(app, country="DE").id for _ in range(4)]
    for op, i, j in ops:
        with contextlib.suppress(RuleBroken):
            _apply(app, op, i, j, ts, accs)
    tmap: Any = app.repository.get(TERRITORY_MAP_ID) if ts else None
    lists: dict[UUID, set[UUID]] = {t: set(_held(app, t)) for t in ts}
    for account_id in accs:
        holders = [t for t, held in lists.items() if account_id in held]
        assert len(holders) <= 1
        assert holders == (
            [tmap.manual[account_id]] if tmap and account_id in tmap.manual else []
        )
        found: Any = app.repository.get(account_id)
        if holders:
            assert (found.territory_id, found.territory_rule) == (holders[0], "manual")
    for t in ts:
        assert tmap.parents[tmap.ancestors(t)[-1]] is None


def _apply(
    app: SalesApplication, op: str, i: int, j: int, ts: list[UUID], accs: list[UUID]
) -> None:
    if op == "create" or not ts:
        parent = ts[j % len(ts)] if ts and j % 2 else None
        ts.append(territory(app, f"T{len(ts)}", parent, GERMANY))
        return
    tid, other = ts[i % len(ts)], ts[j % len(ts)]
    commands: dict[str, tuple[Any, Any]] = {
        "move": (
            cmd.change_territory,
            cmd.ChangeTerritory(territory_id=tid, parent_id=other),
        ),
        "pin": (
            cmd.assign_territory_account,
            cmd.AssignTerritoryAccount(territory_id=tid, account_id=accs[j]),
        ),
        "release": (
            cmd.release_territory_account,
            cmd.ReleaseTerritoryAccount(territory_id=tid, account_id=accs[j]),
        ),
        "rules": (
            cmd.set_territory_rules,
            cmd.SetTerritoryRules(
                territory_id=tid, rules=[cmd.Rule(name=f"r{j}", country="DE")]
            ),
        ),
    }
    handler, command = commands[op]
    run(app, handler, command)


def _held(app: SalesApplication, territory_id: UUID) -> list[UUID]:
    found: Any = app.repository.get(territory_id)
    return list(found.accounts)
