"""Property: the control view's monthly tallies say what a scan of its facts
says, for every metric, over any history of deals and activities (reopened
deals, cancelled and late activities included)."""

from __future__ import annotations

import tempfile
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import accounts, activities, opportunities
from domain.base import DomainError
from infra.view_store import SQLiteViewStore
from projections.control import Control
from projections.control_measures import MEASURES, from_facts, tallied
from projections.runner import Runner
from tests.unit.forecast_world import History, at, clock
from tests.unit.helpers import memory_app, registered_rep, run

START = datetime(2026, 9, 1, tzinfo=UTC)
REPS = [UUID(int=1), UUID(int=2)]
ACCOUNT = UUID(int=21)
DEALS = [UUID(int=100 + n) for n in range(2)]
ACTS = [UUID(int=200 + n) for n in range(3)]
STAGES = ["prospecting", "qualification", "proposal", "negotiation"]
KEYS = [
    (metric, kind, currency)
    for metric in MEASURES
    for kind in ((None, "call") if MEASURES[metric].by_kind else (None,))
    for currency in (("EUR",) if MEASURES[metric].by_currency else (None,))
]
MONTHS = [date(2026, 9 + n, 1) if n < 4 else date(2027, n - 3, 1) for n in range(6)]

deal = st.sampled_from(DEALS)
act = st.sampled_from(ACTS)
moment = st.integers(0, 150 * 24).map(lambda h: START + timedelta(hours=h))


def opening(deal_id: UUID) -> st.SearchStrategy[Any]:
    return st.builds(
        opportunities.OpenOpportunity,
        id=st.just(deal_id),
        name=st.just("D"),
        account_id=st.just(ACCOUNT),
        owner_id=st.sampled_from(REPS),
        amount=st.integers(0, 9000).map(Decimal),
        currency=st.sampled_from(["EUR", "USD"]),
        expected_close_date=st.just(date(2027, 1, 1)),
        stage=st.sampled_from(STAGES),
    )


def planning(activity_id: UUID) -> st.SearchStrategy[Any]:
    return st.builds(
        activities.PlanActivity,
        id=st.just(activity_id),
        kind=st.sampled_from(["call", "meeting"]),
        purpose=st.just("demo"),
        account_id=st.just(ACCOUNT),
        owner_id=st.sampled_from(REPS),
        scheduled_at=moment,
    )


first_days = st.integers(0, 240).map(lambda h: START + timedelta(hours=h))
commands = st.one_of(
    st.builds(
        opportunities.AdvanceStage, opportunity_id=deal, stage=st.sampled_from(STAGES)
    ),
    st.builds(opportunities.WinOpportunity, opportunity_id=deal),
    st.builds(opportunities.LoseOpportunity, opportunity_id=deal, reason=st.just("x")),
    st.builds(opportunities.ReopenOpportunity, opportunity_id=deal),
    st.builds(
        opportunities.AssignOpportunityOwner,
        opportunity_id=deal,
        owner_id=st.sampled_from(REPS),
    ),
    st.builds(
        activities.PlanActivity,
        id=act,
        kind=st.sampled_from(["call", "meeting"]),
        purpose=st.just("demo"),
        account_id=st.just(ACCOUNT),
        owner_id=st.sampled_from(REPS),
        scheduled_at=moment,
    ),
    st.builds(
        activities.LogActivity,
        kind=st.sampled_from(["call", "meeting"]),
        purpose=st.just("demo"),
        account_id=st.just(ACCOUNT),
        owner_id=st.sampled_from(REPS),
        outcome=st.just("connected"),
        duration_minutes=st.integers(1, 90),
        completed_at=moment,
    ),
    st.builds(
        activities.CompleteActivity,
        activity_id=act,
        outcome=st.just("connected"),
        duration_minutes=st.integers(1, 90),
        completed_at=moment,
    ),
    st.builds(activities.CancelActivity, activity_id=act, reason=st.just("x")),
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    first=st.tuples(
        *[st.tuples(first_days, opening(d)) for d in DEALS],
        *[st.tuples(first_days, planning(a)) for a in ACTS],
    ).map(list),
    then=st.lists(st.tuples(moment, commands), max_size=40),
)
def test_tallies_equal_a_scan_of_the_facts(
    first: list[tuple[datetime, Any]], then: list[tuple[datetime, Any]]
) -> None:
    ops = first + [(when + timedelta(days=10), c) for when, c in then]
    with tempfile.TemporaryDirectory() as folder:
        h = History(memory_app(), SQLiteViewStore(Path(folder) / "views.db"))
        with clock(at("2026-08-01")):
            for rep_id in REPS:
                registered_rep(h.app, rep_id)
            run(
                h.app, accounts.open_account, accounts.OpenAccount(id=ACCOUNT, name="A")
            )
        for when, command in sorted(ops, key=lambda op: op[0]):
            with suppress(DomainError):
                h.do(when.isoformat(), command)
        Runner(Control(), h.store, h.app).catch_up()
        windows = [
            (
                datetime.combine(m, datetime.min.time(), UTC),
                datetime.combine(n, datetime.min.time(), UTC),
            )
            for m, n in zip(MONTHS, [*MONTHS[1:], date(2027, 3, 1)], strict=True)
        ]
        future = datetime(2030, 1, 1, tzinfo=UTC)
        names = h.store.names(Control)
        quarters = [(windows[0][0], windows[2][1]), (windows[3][0], windows[5][1])]
        with h.store.transaction() as cursor:
            for key in KEYS:  # months read as they are, quarters summed
                for spans in (windows, quarters):
                    tallies = tallied(cursor, names, key, spans)
                    facts = from_facts(cursor, names, key, spans, future)
                    assert _plain(tallies) == _plain(facts), (key, len(spans))


def _plain(found: dict[tuple[str, int], Any]) -> dict[tuple[str, int], Any]:
    """Zero tallies (taken back) are the same as none."""
    return {
        k: (Decimal(str(v[0])), Decimal(str(v[1])))
        for k, v in found.items()
        if v[0] or v[1]
    }
