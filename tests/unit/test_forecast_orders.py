"""The forecast's closed-won figure of a deal with an order is the order's
total while the order stands, as of any moment (figures worked by hand)."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from commands import opportunities, orders
from domain.order import order_id_for
from infra.view_store import SQLiteViewStore
from projections.forecast import Forecast
from projections.runner import Runner
from tests.unit.forecast_world import History, day
from tests.unit.helpers import memory_app


def won_deal(
    h: History, owner: UUID, account: UUID, amount: int, won: str, **fields: Any
) -> UUID:
    deal = h.deal(
        "2026-09-01",
        owner,
        account,
        amount=D(amount),
        expected_close_date=day("2026-11-30"),
        **fields,
    )
    h.do(won, opportunities.WinOpportunity(opportunity_id=deal))
    return deal


def line(h: History, deal: UUID, quantity: int, price: int) -> UUID:
    line_id = uuid4()
    command = opportunities.AddLineItem(
        opportunity_id=deal,
        line_id=line_id,
        product="Widget",
        quantity=D(quantity),
        unit_price=D(price),
    )
    h.do("2026-09-02", command)
    return line_id


def script(h: History) -> History:
    """Ann's deals, all closing in Q4 2026:

    D1 1000 EUR, lines 3 x 300; won 10 Oct; ordered 12 Oct (900), confirmed
       25 Oct; the goods shipped 1 Nov and returned 10 Nov.
    D2 2000 EUR, line 1 x 1500; won 15 Oct; ordered 16 Oct (1500); the order
       cancelled 5 Nov.
    D3 800 EUR, won 20 Oct, never ordered.
    D4 700 USD, line 2 x 250; won 20 Oct; ordered 21 Oct (500 USD).
    """
    ann = h.rep("Ann")
    acme = h.account("2026-08-01", "Acme", "west")
    d1 = h.deal(
        "2026-09-01", ann, acme, amount=D(1000), expected_close_date=day("2026-11-30")
    )
    shipped = line(h, d1, 3, 300)
    h.do("2026-10-10", opportunities.WinOpportunity(opportunity_id=d1))
    h.do("2026-10-12", orders.PlaceOrder(opportunity_id=d1))
    d2 = h.deal(
        "2026-09-01", ann, acme, amount=D(2000), expected_close_date=day("2026-11-30")
    )
    line(h, d2, 1, 1500)
    h.do("2026-10-15", opportunities.WinOpportunity(opportunity_id=d2))
    h.do("2026-10-16", orders.PlaceOrder(opportunity_id=d2))
    won_deal(h, ann, acme, 800, "2026-10-20")
    d4 = h.deal(
        "2026-09-01",
        ann,
        acme,
        amount=D(700),
        currency="USD",
        expected_close_date=day("2026-11-30"),
    )
    line(h, d4, 2, 250)
    h.do("2026-10-20", opportunities.WinOpportunity(opportunity_id=d4))
    h.do("2026-10-21", orders.PlaceOrder(opportunity_id=d4))
    h.do("2026-10-25", orders.ConfirmOrder(order_id=order_id_for(d1)))
    fulfil = orders.FulfilOrder(
        order_id=order_id_for(d1),
        lines=[orders.Shipped(line_id=shipped, quantity=D(3))],
    )
    h.do("2026-11-01", fulfil)
    h.do("2026-11-05", orders.CancelOrder(order_id=order_id_for(d2), reason="budget"))
    h.do("2026-11-10", orders.ReturnOrder(order_id=order_id_for(d1), reason="faulty"))
    return h


@pytest.fixture
def history(tmp_path: Path) -> History:
    return script(History(memory_app(), SQLiteViewStore(tmp_path / "views.db")))


def won(h: History, as_of: str | None) -> dict[str, tuple[D, int]]:
    """Ann's closed-won amount and count in Q4 2026 per currency with a
    won deal (the others may still be open)."""
    return {
        currency: (figures["won"], figures["counts"][1])
        for (_, currency), figures in h.table("2026-Q4", as_of=as_of).items()
        if figures["counts"][1]
    }


class TestOrdersInTheForecast:
    @pytest.mark.parametrize(
        ("as_of", "expected"),
        [
            # D1 won, not ordered yet: its own 1000
            ("2026-10-11", {"EUR": (D(1000), 1)}),
            # D1's order counts from the moment it is placed: 900
            ("2026-10-12", {"EUR": (D(900), 1)}),
            # D2 won on 15 Oct counts 2000 until its order (1500) the next day
            ("2026-10-15T12:00", {"EUR": (D(2900), 2)}),
            ("2026-10-16", {"EUR": (D(2400), 2)}),
            # D3 without an order counts its 800; D4 its amount, then its order
            ("2026-10-20T12:00", {"EUR": (D(3200), 3), "USD": (D(700), 1)}),
            ("2026-10-21", {"EUR": (D(3200), 3), "USD": (D(500), 1)}),
            # D2's order cancelled: back to the deal's 2000
            ("2026-11-05", {"EUR": (D(3700), 3), "USD": (D(500), 1)}),
            # D1's goods returned: back to the deal's 1000
            ("2026-11-10", {"EUR": (D(3800), 3), "USD": (D(500), 1)}),
            (None, {"EUR": (D(3800), 3), "USD": (D(500), 1)}),
        ],
    )
    def test_closed_won_takes_the_standing_order(
        self, history: History, as_of: str | None, expected: dict[str, tuple[D, int]]
    ) -> None:
        assert won(history, as_of) == expected

    def test_by_territory_the_same_figures(self, history: History) -> None:
        by_territory = history.table("2026-Q4", "territory", as_of="2026-10-21")
        assert {c: f["won"] for (_, c), f in by_territory.items() if f["won"]} == {
            "EUR": D(3200),
            "USD": D(500),
        }

    def test_a_rebuild_gives_the_same_figures(self, history: History) -> None:
        before = won(history, "2026-10-21"), won(history, None)
        shadow = Runner(Forecast(), history.store, history.app, shadow=True)
        shadow.catch_up()
        history.store.swap(Forecast)
        assert (won(history, "2026-10-21"), won(history, None)) == before
