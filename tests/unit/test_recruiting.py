"""Hiring plans and candidates: the rules of each stage, the recruiting
pipeline, who may run recruiting, and a model of random candidate histories."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import candidates as cc
from commands import hiring as cmd
from commands import pipelines as pc
from commands.base import Caller, Forbidden
from domain.base import RuleBroken
from domain.candidate import Candidate
from domain.hiring import HiringPlan
from domain.pipeline import RECRUITING_PIPELINE_ID, Pipeline
from tests.unit.helpers import event_names, memory_app, registered_rep, rep, run

MANAGER = Caller("meg", frozenset({"manager"}), uuid4())
QUALS = [
    {"key": "b2b_sales", "name": "B2B sales", "min_score": 3},
    {"key": "licence", "name": "Driving licence", "min_score": 5},
]


def position(key: str = "ae_north", **fields: Any) -> dict[str, Any]:
    base = {
        "key": key,
        "title": "Account executive",
        "territory": "north",
        "job_description": "Sells vans to fleets.",
        "headcount": 2,
        "qualifications": QUALS,
    }
    return base | fields


def plan(app: Any, currency: str = "EUR", **fields: Any) -> UUID:
    body = {"name": "2027 H1", "currency": currency, "positions": [position()]}
    command = cmd.DrawUpPlan.model_validate(body | fields)
    return UUID(str(run(app, cmd.draw_up_plan, command, MANAGER).aggregate.id))


def candidate(app: Any, plan_id: UUID, source: str = "referral", **kw: Any) -> UUID:
    body = {"plan_id": plan_id, "position_key": "ae_north", "name": "Kim Lee"}
    command = cc.Apply.model_validate(body | {"source": source} | kw)
    return UUID(str(run(app, cc.apply, command, MANAGER).aggregate.id))


def do(app: Any, handler: Any, command_class: Any, cid: UUID, **kw: Any) -> Any:
    return run(app, handler, command_class(candidate_id=cid, **kw), MANAGER).aggregate


def qualify(app: Any, cid: UUID) -> None:
    do(app, cc.assess, cc.Assess, cid, qualification="b2b_sales", score=4)
    do(app, cc.assess, cc.Assess, cid, qualification="licence", score=5)


def hire(app: Any, cid: UUID) -> Candidate:
    qualify(app, cid)
    do(app, cc.make_offer, cc.MakeOffer, cid, terms="48k")
    found: Candidate = do(app, cc.accept_offer, cc.AcceptOffer, cid)
    return found


class TestDrawUpPlan:
    def test_the_first_plan_creates_the_recruiting_pipeline(self) -> None:
        app = memory_app()
        plan_id = plan(app)
        pipeline: Any = app.repository.get(RECRUITING_PIPELINE_ID)
        assert isinstance(pipeline, Pipeline)
        assert pipeline.keys == (
            "planning",
            "recruiting",
            "selection",
            "hiring",
            "assimilation",
        )
        plan(app)  # a second plan leaves the pipeline alone
        assert app.repository.get(RECRUITING_PIPELINE_ID).version == 1
        found: Any = app.repository.get(plan_id)
        assert isinstance(found, HiringPlan)
        assert found.position("ae_north")["headcount"] == 2

    def test_the_same_id_and_body_again_records_nothing(self) -> None:
        app = memory_app()
        plan_id = uuid4()
        plan(app, id=plan_id)
        outcome = run(
            app,
            cmd.draw_up_plan,
            cmd.DrawUpPlan(
                id=plan_id,
                name="2027 H1",
                currency="EUR",
                positions=(cmd.PositionSpec.model_validate(position()),),
            ),
            MANAGER,
        )
        assert outcome.created is False
        assert event_names(app, plan_id) == ["DrawnUp"]

    @pytest.mark.parametrize(
        ("fields", "rule"),
        [
            ({"positions": [position(), position()]}, "position_key_unique"),
            (
                {"positions": [position(qualifications=[QUALS[0], QUALS[0]])]},
                "qualification_key_unique",
            ),
            ({"positions": [position(team_id=str(uuid4()))]}, "unknown_team"),
        ],
    )
    def test_refused(self, fields: dict[str, Any], rule: str) -> None:
        app = memory_app()
        with pytest.raises(RuleBroken) as refused:
            plan(app, **fields)
        assert refused.value.rule == rule
        assert app.recorder.max_notification_id() in (None, 0)

    def test_reps_may_not_run_recruiting(self) -> None:
        app = memory_app()
        command = cmd.DrawUpPlan.model_validate(
            {"name": "x", "currency": "EUR", "positions": [position()]}
        )
        with pytest.raises(Forbidden):
            run(app, cmd.draw_up_plan, command, rep())

    def test_spend_adds_up_in_the_plans_currency(self) -> None:
        app = memory_app()
        plan_id = plan(app)
        for amount in ("100", "50.5"):
            spend = cmd.RecordSpend(
                plan_id=plan_id,
                source="job_board",
                amount=Decimal(amount),
                currency="EUR",
            )
            found = run(app, cmd.record_spend, spend, MANAGER).aggregate
        assert found.spend == {"job_board": Decimal("150.5")}
        wrong = cmd.RecordSpend(
            plan_id=plan_id, source="job_board", amount=Decimal(1), currency="USD"
        )
        with pytest.raises(RuleBroken, match="EUR"):
            run(app, cmd.record_spend, wrong, MANAGER)

    def test_a_closed_plan_takes_no_candidates(self) -> None:
        app = memory_app()
        plan_id = plan(app)
        run(app, cmd.close_plan, cmd.ClosePlan(plan_id=plan_id), MANAGER)
        with pytest.raises(RuleBroken) as refused:
            candidate(app, plan_id)
        assert refused.value.rule == "plan_closed"


class TestCandidate:
    def test_through_the_five_stages(self) -> None:
        app = memory_app()
        mentor = registered_rep(app)
        cid = candidate(app, plan(app), cost=Decimal("200"))
        found: Any = app.repository.get(cid)
        assert (found.stage, found.qualifications) == (
            "planning",
            {"b2b_sales": 3, "licence": 5},
        )
        for stage in ("recruiting", "selection", "hiring", "assimilation"):
            do(app, cc.move_candidate, cc.MoveCandidate, cid, stage=stage)
        hire(app, cid)
        done = do(
            app,
            cc.assimilate,
            cc.Assimilate,
            cid,
            start_date=date(2027, 2, 1),
            mentor_id=mentor,
            checklist=("laptop", "crm login"),
            completed=("laptop",),
        )
        assert (done.status, done.stage, done.mentor_id) == (
            "hired",
            "assimilation",
            mentor,
        )
        assert done.checklist == {"laptop": True, "crm login": False}
        assert done.start_date == date(2027, 2, 1)

    def test_no_offer_before_every_qualification_is_met(self) -> None:
        app = memory_app()
        cid = candidate(app, plan(app))
        do(app, cc.assess, cc.Assess, cid, qualification="b2b_sales", score=5)
        do(app, cc.assess, cc.Assess, cid, qualification="licence", score=4)
        with pytest.raises(RuleBroken, match="licence") as refused:
            do(app, cc.make_offer, cc.MakeOffer, cid, terms="48k")
        assert refused.value.rule == "qualifications_not_met"

    @pytest.mark.parametrize(
        ("step", "rule"),
        [
            (
                (cc.assess, cc.Assess, {"qualification": "golf", "score": 3}),
                "unknown_qualification",
            ),
            (
                (cc.move_candidate, cc.MoveCandidate, {"stage": "nowhere"}),
                "unknown_stage",
            ),
            ((cc.accept_offer, cc.AcceptOffer, {}), "no_open_offer"),
            ((cc.assimilate, cc.Assimilate, {"checklist": ("x",)}), "not_hired"),
        ],
    )
    def test_refused(self, step: Any, rule: str) -> None:
        app = memory_app()
        cid = candidate(app, plan(app))
        handler, command, fields = step
        with pytest.raises(RuleBroken) as refused:
            do(app, handler, command, cid, **fields)
        assert refused.value.rule == rule
        assert event_names(app, cid) == ["Applied"]

    def test_a_mentor_is_an_active_rep(self) -> None:
        app = memory_app()
        cid = candidate(app, plan(app))
        hire(app, cid)
        with pytest.raises(RuleBroken) as refused:
            do(app, cc.assimilate, cc.Assimilate, cid, mentor_id=uuid4())
        assert refused.value.rule == "mentor_must_be_active_rep"

    def test_an_unknown_position_is_refused(self) -> None:
        app = memory_app()
        with pytest.raises(RuleBroken) as refused:
            candidate(app, plan(app), position_key="nope")
        assert refused.value.rule == "unknown_position"

    def test_a_stage_an_admin_adds_is_one_candidates_can_enter(self) -> None:
        app = memory_app()
        cid = candidate(app, plan(app))
        stage = pc.AddStage(
            pipeline_id=RECRUITING_PIPELINE_ID,
            key="phone_screen",
            name="Phone screen",
            probability=20,
            forecast_category="pipeline",
            position=2,
        )
        run(app, pc.add_stage, stage)
        moved = do(app, cc.move_candidate, cc.MoveCandidate, cid, stage="phone_screen")
        assert moved.stage == "phone_screen"


ACTIONS = st.lists(
    st.sampled_from(
        [
            "assess_low",
            "assess_high",
            "assess_licence",
            "offer",
            "accept",
            "decline",
            "reject",
            "move",
            "onboard",
        ]
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(actions=ACTIONS)
def test_random_histories_agree_with_a_model(actions: list[str]) -> None:
    """Given any sequence of candidate commands, each is refused exactly when
    the model says so, a refused one records nothing, and the candidate's
    status agrees with the model's."""
    app = memory_app()
    cid = candidate(app, plan(app))
    scores: dict[str, int] = {}
    status = "applied"
    for action in actions:
        closed = status in ("declined", "rejected")
        met = scores.get("b2b_sales", 0) >= 3 and scores.get("licence", 0) >= 5
        steps: dict[str, tuple[Any, Any, dict[str, Any], bool, str]] = {
            "assess_low": (
                cc.assess,
                cc.Assess,
                {"qualification": "b2b_sales", "score": 2},
                not closed,
                status,
            ),
            "assess_high": (
                cc.assess,
                cc.Assess,
                {"qualification": "b2b_sales", "score": 4},
                not closed,
                status,
            ),
            "assess_licence": (
                cc.assess,
                cc.Assess,
                {"qualification": "licence", "score": 5},
                not closed,
                status,
            ),
            "offer": (
                cc.make_offer,
                cc.MakeOffer,
                {"terms": "t"},
                status == "applied" and met,
                "offered",
            ),
            "accept": (
                cc.accept_offer,
                cc.AcceptOffer,
                {},
                status == "offered",
                "hired",
            ),
            "decline": (
                cc.decline_offer,
                cc.DeclineOffer,
                {},
                status == "offered",
                "declined",
            ),
            "reject": (
                cc.reject,
                cc.RejectCandidate,
                {},
                not closed and status != "hired",
                "rejected",
            ),
            "move": (
                cc.move_candidate,
                cc.MoveCandidate,
                {"stage": "selection"},
                not closed,
                status,
            ),
            "onboard": (
                cc.assimilate,
                cc.Assimilate,
                {"checklist": ("laptop",)},
                status == "hired",
                status,
            ),
        }
        handler, command, fields, allowed, after = steps[action]
        before = app.recorder.max_notification_id()
        try:
            do(app, handler, command, cid, **fields)
        except RuleBroken:
            refused = True
        else:
            refused = False
        assert refused == (not allowed), action
        if refused:
            assert app.recorder.max_notification_id() == before
            continue
        status = after
        if action.startswith("assess"):
            key = fields["qualification"]
            scores[key] = fields["score"]
        assert app.repository.get(cid).status == status


PLAN_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["position", "spend", "close"]),
        st.sampled_from(["ae_north", "ae_south", "sdr"]),
        st.integers(-5, 500),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(steps=PLAN_STEPS)
def test_random_plan_changes_agree_with_a_model(
    steps: list[tuple[str, str, int]],
) -> None:
    """Given positions, spend and closing in any order, a change lands
    exactly when the plan is open, the position key is new and the amount
    positive, and the plan's positions and spend are those that landed."""
    app = memory_app()
    plan_id = plan(app)
    keys, spend, is_open = {"ae_north"}, dict[str, Decimal](), True
    for step, key, number in steps:
        if step == "position":
            command: Any = cmd.AddPosition.model_validate(
                {**position(key), "plan_id": plan_id}
            )
            handler: Any = cmd.add_position
            allowed = is_open and key not in keys
        elif step == "spend":
            command = cmd.RecordSpend.model_construct(
                plan_id=plan_id, source=key, amount=Decimal(number), currency="EUR"
            )
            handler, allowed = cmd.record_spend, is_open and number > 0
        else:
            command, handler = cmd.ClosePlan(plan_id=plan_id), cmd.close_plan
            allowed = is_open
        try:
            run(app, handler, command, MANAGER)
        except RuleBroken:
            assert not allowed, step
            continue
        assert allowed, step
        if step == "position":
            keys.add(key)
        elif step == "spend":
            spend[key] = spend.get(key, Decimal(0)) + number
        else:
            is_open = False
    found: Any = app.repository.get(plan_id)
    assert (set(found.positions), found.spend, found.status) == (
        keys,
        spend,
        "open" if is_open else "closed",
    )
