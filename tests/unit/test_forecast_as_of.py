"""Property: the forecast as of T equals the current forecast of a store that
holds only the events recorded up to T, for any history and any T."""

from __future__ import annotations

import tempfile
from contextlib import suppress
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import accounts, opportunities, orders, reps
from domain.base import DomainError
from domain.order import order_id_for
from infra.view_store import SQLiteViewStore
from tests.unit.forecast_world import History, at, clock
from tests.unit.helpers import memory_app, registered_rep, run

START = date(2026, 9, 1)
REPS = [UUID(int=1), UUID(int=2)]
TEAMS = [UUID(int=11), UUID(int=12)]
ACCOUNTS = [UUID(int=21), UUID(int=22)]
DEALS = [UUID(int=100 + n) for n in range(5)]
STAGES = ["prospecting", "qualification", "proposal", "negotiation"]
Op = tuple[int, Any]  # (minutes after START, command)

deal = st.sampled_from(DEALS)
close = st.integers(0, 200).map(lambda d: START + timedelta(days=d))
opens = st.builds(
    opportunities.OpenOpportunity,
    id=deal,
    name=st.just("Deal"),
    account_id=st.sampled_from(ACCOUNTS),
    owner_id=st.sampled_from(REPS),
    amount=st.integers(0, 10_000).map(Decimal),
    currency=st.sampled_from(["EUR", "USD"]),
    expected_close_date=close,
    stage=st.sampled_from(STAGES),
)
changes = st.one_of(
    st.builds(
        opportunities.ChangeOpportunityDetails,
        opportunity_id=deal,
        amount=st.integers(0, 10_000).map(Decimal),
    ),
    st.builds(
        opportunities.ChangeOpportunityDetails,
        opportunity_id=deal,
        expected_close_date=close,
    ),
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
        opportunities.AddLineItem,
        opportunity_id=deal,
        product=st.just("P"),
        quantity=st.integers(1, 3).map(Decimal),
        unit_price=st.integers(0, 5_000).map(Decimal),
    ),
    st.builds(orders.PlaceOrder, opportunity_id=deal),
    deal.map(lambda d: orders.ConfirmOrder(order_id=order_id_for(d))),
    deal.map(
        lambda d: orders.FulfilOrder(
            order_id=order_id_for(d),
            lines=[orders.Shipped(line_id=d, quantity=Decimal(1))],
        )
    ),
    deal.map(lambda d: orders.CancelOrder(order_id=order_id_for(d), reason="x")),
    deal.map(lambda d: orders.ReturnOrder(order_id=order_id_for(d), reason="x")),
    st.builds(
        accounts.MoveAccountTerritory,
        account_id=st.sampled_from(ACCOUNTS),
        territory=st.sampled_from(["east", "west"]),
    ),
    st.builds(
        reps.AddTeamMember, team_id=st.sampled_from(TEAMS), rep_id=st.sampled_from(REPS)
    ),
)
# minutes between steps: 0 (the same moment) happens often
gap = st.sampled_from([0, 0, 30, 1440, 4320])
steps = st.tuples(
    st.lists(st.tuples(gap, opens), min_size=1, max_size=5),
    st.lists(st.tuples(gap, changes), max_size=20),
).map(lambda both: both[0] + both[1])


def build(folder: Path, ops: list[Op], until: int | None = None) -> History:
    """A store with the setup and the ``ops`` at or before ``until``."""
    h = History(memory_app(), SQLiteViewStore(folder / "views.db"))
    with clock(at("2026-08-01")):
        for rep_id in REPS:
            registered_rep(h.app, rep_id)
        for team_id in TEAMS:
            run(h.app, reps.form_team, reps.FormTeam(id=team_id, name="T"))
        for account_id in ACCOUNTS:
            command = accounts.OpenAccount(id=account_id, name="A", territory="east")
            run(h.app, accounts.open_account, command)
    for minutes, command in ops:
        if until is not None and minutes > until:
            break
        with suppress(DomainError):
            h.do(moment(minutes), command)
    return h


def moment(minutes: int) -> str:
    return (at("2026-09-01") + timedelta(minutes=minutes)).isoformat()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    gaps=steps,
    cut=st.integers(0, 40),
    period=st.sampled_from(["2026-09", "2026-10", "2026-Q4", "2027-Q1", "2026"]),
    group_by=st.sampled_from(["rep", "team", "territory", "pipeline"]),
)
def test_as_of_t_equals_now_of_the_events_up_to_t(
    gaps: list[Op], cut: int, period: str, group_by: str
) -> None:
    ops, minutes = [], 0
    for gap, command in gaps:
        minutes += gap
        ops.append((minutes, command))
    until = ops[min(cut, len(ops) - 1)][0] if ops else 0
    with tempfile.TemporaryDirectory() as whole, tempfile.TemporaryDirectory() as part:
        everything = build(Path(whole), ops)
        up_to_t = build(Path(part), ops, until)
        as_of = everything.table(period, group_by, as_of=moment(until))
        assert as_of == up_to_t.table(period, group_by)
