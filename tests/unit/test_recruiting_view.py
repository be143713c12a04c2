"""The recruiting view on the SQLite store: the funnel per source against a
hand-computed fixture, and a rebuild that equals the live view."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import candidates as cc
from commands import hiring as cmd
from domain.base import RuleBroken
from domain.pipeline import RECRUITING_STAGES
from infra.view_store import SQLiteViewStore
from projections.recruiting import Recruiting
from projections.recruiting_query import candidates, funnel
from projections.runner import Runner
from tests.unit.helpers import memory_app, run
from tests.unit.test_recruiting import MANAGER, candidate, do, hire, plan
from tests.view_rows import view_rows

ORDER = [s.key for s in RECRUITING_STAGES]
STAGES = ("recruiting", "selection", "hiring", "assimilation")


class World:
    def __init__(self, path: Path) -> None:
        self.app = memory_app()
        self.store = SQLiteViewStore(path / "views.db")
        self.runner = Runner(Recruiting(), self.store, self.app)

    def funnel(self, plan_id: UUID | None = None) -> dict[tuple[str, str], Any]:
        self.runner.catch_up()
        with self.store.transaction() as c:
            rows = funnel(c, self.store.names(Recruiting), ORDER, plan_id)
        return {(r.source, r.currency): r for r in rows}

    def through(self, cid: UUID, last: str) -> None:
        for stage in STAGES[: STAGES.index(last) + 1]:
            do(self.app, cc.move_candidate, cc.MoveCandidate, cid, stage=stage)

    def spend(self, plan_id: UUID, source: str, amount: str) -> None:
        command = cmd.RecordSpend(
            plan_id=plan_id, source=source, amount=Decimal(amount), currency="EUR"
        )
        run(self.app, cmd.record_spend, command, MANAGER)


def fixture(world: World) -> tuple[UUID, UUID]:
    app = world.app
    a, b = plan(app), plan(app, currency="USD")
    world.spend(a, "job_board", "300")
    world.spend(a, "job_board", "155.55")
    c1 = candidate(app, a, "referral", cost=Decimal("200"))
    world.through(c1, "hiring")
    hire(app, c1)
    c2 = candidate(app, a, "referral", cost=Decimal("100"))
    world.through(c2, "recruiting")
    do(app, cc.reject, cc.RejectCandidate, c2)
    c3 = candidate(app, a, "job_board")
    world.through(c3, "hiring")
    do(app, cc.assess, cc.Assess, c3, qualification="b2b_sales", score=3)
    do(app, cc.assess, cc.Assess, c3, qualification="licence", score=5)
    do(app, cc.make_offer, cc.MakeOffer, c3, terms="45k")
    do(app, cc.decline_offer, cc.DeclineOffer, c3, reason="too far")
    c4 = candidate(app, a, "job_board", cost=Decimal("50.10"))
    world.through(c4, "assimilation")
    hire(app, c4)
    candidate(app, a, "job_board")  # c5: still planning
    c6 = candidate(app, a, "agency", cost=Decimal("1000"))
    world.through(c6, "selection")
    do(app, cc.move_candidate, cc.MoveCandidate, c6, stage="recruiting")  # back
    candidate(app, b, "job_board", cost=Decimal("10"))  # c7, in USD
    return a, b


class TestFunnel:
    def test_hand_computed_per_source(self, tmp_path: Path) -> None:
        world = World(tmp_path)
        a, _ = fixture(world)
        rows = world.funnel(a)
        assert set(rows) == {
            ("agency", "EUR"),
            ("job_board", "EUR"),
            ("referral", "EUR"),
        }
        referral = rows["referral", "EUR"]
        assert referral.stages == {
            "planning": 2,
            "recruiting": 2,
            "selection": 1,
            "hiring": 1,
            "assimilation": 0,
        }
        assert (referral.candidates, referral.offers, referral.hires) == (2, 1, 1)
        assert (referral.declined, referral.rejected) == (0, 1)
        assert referral.cost == Decimal("300")
        assert referral.cost_per_hire == Decimal("300.00")
        assert referral.yield_percent == Decimal("50.0")

        board = rows["job_board", "EUR"]
        assert list(board.stages.values()) == [3, 2, 2, 2, 1]
        assert (board.candidates, board.offers, board.hires) == (3, 2, 1)
        assert (board.declined, board.rejected) == (1, 0)
        assert board.cost == Decimal("505.65")  # 0 + 50.10 + 0 + 300 + 155.55
        assert board.cost_per_hire == Decimal("505.65")
        assert board.yield_percent == Decimal("33.3")

        agency = rows["agency", "EUR"]  # back from selection: counted once
        assert list(agency.stages.values()) == [1, 1, 1, 0, 0]
        assert (agency.hires, agency.cost, agency.cost_per_hire) == (
            0,
            Decimal("1000"),
            None,
        )
        assert agency.yield_percent == Decimal("0.0")

    def test_all_plans_split_by_currency(self, tmp_path: Path) -> None:
        world = World(tmp_path)
        fixture(world)
        rows = world.funnel()
        usd = rows["job_board", "USD"]
        assert (usd.candidates, usd.cost, usd.stages["planning"]) == (
            1,
            Decimal("10"),
            1,
        )
        assert rows["job_board", "EUR"].candidates == 3

    def test_candidates_list_follows_the_candidates(self, tmp_path: Path) -> None:
        world = World(tmp_path)
        a, _ = fixture(world)
        world.runner.catch_up()
        with world.store.transaction() as c:
            page = candidates(
                c, world.store.names(Recruiting), plan_id=a, status="hired"
            )
        assert [(r["source"], r["stage"]) for r in page.rows] == [
            ("referral", "hiring"),
            ("job_board", "assimilation"),
        ]
        for row in page.rows:
            assert (
                row["version"]
                == world.app.repository.get(UUID(str(row["candidate_id"]))).version
            )


def everything(world: World) -> dict[str, list[Any]]:
    return view_rows(world.store, Recruiting, "1, 2")


STEPS = st.lists(
    st.sampled_from(["apply", "move", "hire", "reject", "spend", "close"]), max_size=15
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS, batch=st.integers(1, 7), stages=st.lists(st.sampled_from(STAGES)))
def test_rebuilt_view_equals_the_live_one(
    tmp_path_factory: Any, steps: list[str], batch: int, stages: list[str]
) -> None:
    """Given random recruiting commands with the view catching up in random
    batch sizes, a rebuild from zero gives the same rows."""
    world = World(tmp_path_factory.mktemp("recruiting"))
    world.runner = Runner(Recruiting(), world.store, world.app, batch_size=batch)
    plan_id = plan(world.app)
    made: list[UUID] = []
    for i, step in enumerate(steps):
        try:
            if step == "apply" or not made:
                made.append(candidate(world.app, plan_id, f"s{i % 3}"))
            elif step == "move":
                stage = stages[i % len(stages)] if stages else "selection"
                do(
                    world.app,
                    cc.move_candidate,
                    cc.MoveCandidate,
                    made[-1],
                    stage=stage,
                )
            elif step == "hire":
                hire(world.app, made[-1])
            elif step == "reject":
                do(world.app, cc.reject, cc.RejectCandidate, made[-1])
            elif step == "spend":
                world.spend(plan_id, f"s{i % 3}", "12.34")
            else:
                run(world.app, cmd.close_plan, cmd.ClosePlan(plan_id=plan_id), MANAGER)
        except RuleBroken:
            pass  # refused: records nothing
        if i % 4 == 0:
            world.runner.catch_up()
    world.runner.catch_up()
    before = everything(world)
    Runner(Recruiting(), world.store, world.app, shadow=True, batch_size=3).catch_up()
    world.store.swap(Recruiting)
    assert everything(world) == before
