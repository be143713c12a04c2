"""Order commands on in-memory persistence (placing from an accepted quote
or a won deal, one per deal, fulfilment, cancel, return), random
fulfilments against a model, and the commerce view (rebuild equals live)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import opportunities
from commands import orders as cmd
from commands import quote_decisions as dec
from commands.base import Forbidden, IdReused
from domain.base import DomainError, RuleBroken, public_type
from domain.order import Order, order_id_for
from infra.view_store import SQLiteViewStore
from projections.commerce import Commerce
from projections.commerce_query import orders, quotes
from projections.runner import Runner
from tests.unit.helpers import event_names, events_of, rep, run
from tests.unit.test_quote import ANN, Shop
from tests.view_rows import view_rows


def accepted_quote(shop: Shop, discount: str = "10") -> UUID:
    quote_id = shop.draft()
    shop.add(quote_id, discount)
    shop.do(dec.send_quote, dec.SendQuote(quote_id=quote_id))
    shop.do(dec.accept_quote, dec.AcceptQuote(quote_id=quote_id, revision=1))
    return quote_id


def win(shop: Shop) -> None:
    command = opportunities.WinOpportunity(opportunity_id=shop.deal)
    run(shop.app, opportunities.win_opportunity, command)


def place(shop: Shop, **source: Any) -> Order:
    found: Order = run(
        shop.app, cmd.place_order, cmd.PlaceOrder(**source), ANN
    ).aggregate
    return found


class TestPlaceOrder:
    def test_from_an_accepted_quote_at_its_net_prices(self) -> None:
        shop = Shop()
        quote_id = accepted_quote(shop)
        order = place(shop, quote_id=quote_id)
        (event,) = events_of(shop.app, order.id)
        assert public_type(type(event)) == "sfa.order.placed.v1"
        assert order.id == order_id_for(shop.deal)
        assert (event.quote_id, event.quote_revision, event.total) == (
            quote_id,
            1,
            Decimal(88000),
        )
        assert [(li.unit_price, li.discount_percent, li.net) for li in order.lines] == [
            (Decimal(30500), Decimal(0), Decimal(61000)),
            (Decimal(30000), Decimal(10), Decimal(27000)),
        ]

    def test_from_a_won_deal_with_its_lines(self) -> None:
        shop = Shop()
        win(shop)
        order = place(shop, opportunity_id=shop.deal)
        assert (order.total, order.quote_id, order.lines[0].configuration_id) == (
            Decimal(61000),
            None,
            shop.config,
        )

    def test_one_order_per_deal(self) -> None:
        shop = Shop()
        quote_id = accepted_quote(shop)
        place(shop, quote_id=quote_id)
        head = shop.app.recorder.max_notification_id()
        again = run(shop.app, cmd.place_order, cmd.PlaceOrder(quote_id=quote_id), ANN)
        assert not again.created and shop.app.recorder.max_notification_id() == head
        win(shop)
        with pytest.raises(IdReused) as error:
            place(shop, opportunity_id=shop.deal)
        assert error.value.rule == "order_exists"

    def test_refused_sources(self) -> None:
        shop = Shop()
        quote_id = shop.draft()
        with pytest.raises(RuleBroken) as error:
            place(shop, quote_id=quote_id)
        assert error.value.rule == "quote_not_accepted"
        with pytest.raises(RuleBroken) as error:
            place(shop, opportunity_id=shop.deal)
        assert error.value.rule == "opportunity_not_won"
        with pytest.raises(ValueError):
            cmd.PlaceOrder()
        win(shop)
        with pytest.raises(Forbidden):
            run(
                shop.app,
                cmd.place_order,
                cmd.PlaceOrder(opportunity_id=shop.deal),
                rep(),
            )


class TestOrderLifecycle:
    def test_confirm_fulfil_in_parts_then_return(self) -> None:
        shop = Shop()
        order = place(shop, quote_id=accepted_quote(shop))
        first, second = (li.line_id for li in order.lines)
        fulfil = cmd.FulfilOrder.model_validate(
            {"order_id": order.id, "lines": [{"line_id": first, "quantity": 1}]}
        )
        with pytest.raises(RuleBroken) as error:
            run(shop.app, cmd.fulfil_order, fulfil, ANN)
        assert error.value.rule == "order_placed"
        run(shop.app, cmd.confirm_order, cmd.ConfirmOrder(order_id=order.id), ANN)
        assert run(shop.app, cmd.fulfil_order, fulfil, ANN).aggregate.status == (
            "partially_fulfilled"
        )
        rest = cmd.FulfilOrder.model_validate(
            {
                "order_id": order.id,
                "lines": [
                    {"line_id": first, "quantity": 1},
                    {"line_id": second, "quantity": 1},
                ],
            }
        )
        assert (
            run(shop.app, cmd.fulfil_order, rest, ANN).aggregate.status == "fulfilled"
        )
        cancel = cmd.CancelOrder(order_id=order.id, reason="late")
        with pytest.raises(RuleBroken):
            run(shop.app, cmd.cancel_order, cancel, ANN)
        back = cmd.ReturnOrder(order_id=order.id, reason="damaged")
        assert run(shop.app, cmd.return_order, back, ANN).aggregate.status == "returned"
        assert event_names(shop.app, order.id) == [
            "Placed",
            "Confirmed",
            "Fulfilled",
            "Fulfilled",
            "Returned",
        ]

    def test_cancel_before_shipping_and_never_over_ship(self) -> None:
        shop = Shop()
        order = place(shop, quote_id=accepted_quote(shop))
        run(shop.app, cmd.confirm_order, cmd.ConfirmOrder(order_id=order.id), ANN)
        over = cmd.FulfilOrder.model_validate(
            {
                "order_id": order.id,
                "lines": [{"line_id": order.lines[0].line_id, "quantity": 3}],
            }
        )
        with pytest.raises(RuleBroken) as error:
            run(shop.app, cmd.fulfil_order, over, ANN)
        assert error.value.rule == "over_fulfilment"
        back = cmd.ReturnOrder(order_id=order.id, reason="x")
        with pytest.raises(RuleBroken):
            run(shop.app, cmd.return_order, back, ANN)
        cancel = cmd.CancelOrder(order_id=order.id, reason="budget")
        assert (
            run(shop.app, cmd.cancel_order, cancel, ANN).aggregate.status == "cancelled"
        )


@settings(max_examples=40, deadline=None)
@given(shipments=st.lists(st.tuples(st.integers(0, 1), st.integers(1, 3)), max_size=8))
def test_fulfilment_never_exceeds_the_lines(shipments: list[tuple[int, int]]) -> None:
    """Given random shipments: each one within what is left is recorded,
    each beyond is refused and records nothing; the status is fulfilled
    exactly when every line has shipped in full."""
    shop = Shop()
    order = place(shop, quote_id=accepted_quote(shop))
    run(shop.app, cmd.confirm_order, cmd.ConfirmOrder(order_id=order.id), ANN)
    left = {li.line_id: li.quantity for li in order.lines}
    for index, quantity in shipments:
        line_id = order.lines[index].line_id
        fulfil = cmd.FulfilOrder.model_validate(
            {
                "order_id": order.id,
                "lines": [{"line_id": line_id, "quantity": quantity}],
            }
        )
        try:
            run(shop.app, cmd.fulfil_order, fulfil, ANN)
        except RuleBroken as refused:
            assert refused.rule in ("over_fulfilment", "order_fulfilled")
            assert quantity > left[line_id] or not any(left.values())
            continue
        left[line_id] -= quantity
    found: Order = shop.app.repository.get(order.id)
    assert all(found.outstanding(k) == v for k, v in left.items())
    expected = (
        "fulfilled"
        if not any(left.values())
        else (
            "partially_fulfilled"
            if any(
                left[k] != li.quantity for k, li in zip(left, order.lines, strict=True)
            )
            else "confirmed"
        )
    )
    assert found.status == expected


class TestCommerceView:
    def test_orders_by_account_rep_status_and_period(self, tmp_path: Path) -> None:
        shop = Shop()
        order = place(shop, quote_id=accepted_quote(shop))
        run(shop.app, cmd.confirm_order, cmd.ConfirmOrder(order_id=order.id), ANN)
        store = SQLiteViewStore(tmp_path / "views.db")
        Runner(Commerce(), store, shop.app).catch_up()
        now = datetime.now(UTC)
        with store.transaction() as cursor:
            tables = store.names(Commerce)

            def ids(**filters: Any) -> list[str]:
                return [
                    str(r["order_id"]) for r in orders(cursor, tables, **filters).rows
                ]

            assert ids(owner_id=order.owner_id, status="confirmed") == [str(order.id)]
            assert ids(
                account_id=order.account_id,
                placed_since=now - timedelta(hours=1),
                placed_until=now + timedelta(hours=1),
            ) == [str(order.id)]
            assert ids(placed_since=now + timedelta(hours=1)) == []
            assert ids(status="placed") == []
            (quote,) = quotes(cursor, tables, opportunity_id=shop.deal).rows
        assert (quote["status"], Decimal(str(quote["net"]))) == (
            "accepted",
            Decimal(88000),
        )


STEPS = st.lists(
    st.sampled_from(
        ["quote", "line", "send", "accept", "revise", "order", "confirm", "catch_up"]
    ),
    max_size=20,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS, batch=st.integers(1, 5))
def test_rebuilt_commerce_view_equals_the_live_one(
    tmp_path_factory: Any, steps: list[str], batch: int
) -> None:
    shop = Shop()
    store = SQLiteViewStore(tmp_path_factory.mktemp("commerce") / "views.db")
    live = Runner(Commerce(), store, shop.app, batch_size=batch)
    quote_ids: list[UUID] = []
    for step in steps:
        if step == "catch_up":
            live.catch_up()
            continue
        if step == "quote" or not quote_ids:
            quote_ids.append(shop.draft())
            continue
        quote_id = quote_ids[-1]
        commands: dict[str, tuple[Any, Any]] = {
            "line": (None, None),
            "send": (dec.send_quote, dec.SendQuote(quote_id=quote_id)),
            "accept": (
                dec.accept_quote,
                dec.AcceptQuote(quote_id=quote_id, revision=1),
            ),
            "revise": (dec.revise_quote, dec.ReviseQuote(quote_id=quote_id)),
            "order": (cmd.place_order, cmd.PlaceOrder(quote_id=quote_id)),
            "confirm": (
                cmd.confirm_order,
                cmd.ConfirmOrder(order_id=order_id_for(shop.deal)),
            ),
        }
        try:
            if step == "line":
                shop.add(quote_id, "3")
            else:
                run(shop.app, *commands[step], ANN)
        except DomainError:  # refused: records nothing
            pass
    live.catch_up()
    before = rows(store)
    Runner(Commerce(), store, shop.app, shadow=True, batch_size=2).catch_up()
    store.swap(Commerce)
    assert rows(store) == before


def rows(store: SQLiteViewStore) -> list[Any]:
    return list(view_rows(store, Commerce, "1").values())
