"""The territory report on SQLite (and, by subclass, PostgreSQL): a small
scripted book of accounts with the figures worked out by hand."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from commands import accounts, activities, contacts, opportunities, reps
from domain.periods import parse
from infra.view_store import SQLiteViewStore
from projections.control import Control
from projections.control_query import window
from projections.runner import Runner
from projections.territory_coverage import TerritoryCoverage
from projections.territory_coverage_query import territories
from tests.unit.forecast_world import History, at, day
from tests.unit.helpers import memory_app


def script(h: History) -> History:
    """Reps: Ann and Cy (west), Bob (east). Accounts: A1 west prospect, A2
    west customer, A3 west prospect (reached through its contact on 1 Aug),
    A4 east former customer, A5 without territory. Deals: A1 1000 + 200 EUR
    open, A2 500 EUR won, A4 300 USD open. Activities: A1 on 10 Nov, A2 on
    15 Oct, A3 on 1 Aug (through its contact)."""
    for name, territory in (("Ann", "west"), ("Bob", "east"), ("Cy", "west")):
        command = reps.RegisterRep(
            name=name, email=f"{name}@x.dev", territory=territory
        )
        h.do("2026-01-01", command)
    a1, a2, a3, a4, a5 = (
        h.do(
            "2026-01-01",
            accounts.OpenAccount.model_validate(
                {"name": n, "territory": t, "status": s}
            ),
        )
        for n, t, s in (
            ("A1", "west", "prospect"),
            ("A2", "west", "active_customer"),
            ("A3", "west", "prospect"),
            ("A4", "east", "former_customer"),
            ("A5", None, "prospect"),
        )
    )
    contact = h.do(
        "2026-01-01",
        contacts.RegisterContact(given_name="C", family_name="One", account_id=a3),
    )
    for account, amount, currency in (
        (a1, 1000, "EUR"),
        (a1, 200, "EUR"),
        (a4, 300, "USD"),
    ):
        h.deal(
            "2026-02-01",
            None,
            account,
            amount=D(amount),
            currency=currency,
            expected_close_date=day("2026-12-31"),
        )
    won = h.deal(
        "2026-02-01", None, a2, amount=D(500), expected_close_date=day("2026-12-31")
    )
    h.do("2026-03-01", opportunities.WinOpportunity(opportunity_id=won))
    for when, where in (
        ("2026-11-10", {"account_id": a1}),
        ("2026-10-15", {"account_id": a2}),
        ("2026-08-01", {"contact_id": contact}),
    ):
        h.do(
            when,
            activities.LogActivity.model_validate(
                {"kind": "call", "purpose": "demo", "outcome": "connected"}
                | {"duration_minutes": 5, "completed_at": at(when)}
                | where
            ),
        )
    del a5
    return h


@pytest.fixture
def history(tmp_path: Path) -> History:
    return script(History(memory_app(), SQLiteViewStore(tmp_path / "views.db")))


def report(h: History, until: str = "2026-11-30T12:00") -> dict[Any, Any]:
    for view in (TerritoryCoverage, Control):
        Runner(view(), h.store, h.app).catch_up()
    with h.store.transaction() as cursor:
        found = territories(
            cursor,
            h.store.names(TerritoryCoverage),
            h.store.names(Control),
            window=window(parse("2026-11")),
            until=at(until),
        )
    return {
        t.name: (
            t.reps,
            t.accounts,
            t.prospects,
            t.active_customers,
            t.former_customers,
            t.prospect_ratio,
            t.open_pipeline,
            t.activities,
            t.uncovered,
        )
        for t in found
    }


class TestTerritoryReport:
    def test_per_territory(self, history: History) -> None:
        assert report(history) == {
            # A3 was last reached on 1 Aug: more than 90 days before 30 Nov
            "east": (1, 1, 0, 0, 1, None, {"USD": (D(300), 1)}, 0, 1),
            "west": (2, 3, 2, 1, 0, D(2), {"EUR": (D(1200), 2)}, 1, 1),
            None: (0, 1, 1, 0, 0, None, {}, 0, 1),
        }

    def test_coverage_is_as_of_the_moment_asked(self, history: History) -> None:
        # on 25 Oct, A3's call of 1 Aug was 85 days old: covered
        assert report(history, "2026-10-25T00:00")["west"][-1] == 0
