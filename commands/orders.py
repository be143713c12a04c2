"""Order commands: place an order from an accepted quote or a won deal,
confirm, fulfil, cancel, return.

What must hold:
- An order comes from exactly one of an accepted quote (its lines as the
  revision the customer accepted, discounts included) or a won deal
  without one (its line items; a deal without lines becomes one line of
  its name and amount). Rules: ``quote_not_accepted``,
  ``opportunity_not_won``.
- One order per deal, enforced by the store (``order_id_for``): the same
  request again answers the order and records nothing; another one is a
  409 (``order_exists``), also when two writers race.
- The order is changed by whoever may change its owner's records (a
  service: the fulfilment system).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, model_validator

from commands.application import SalesApplication
from commands.base import (
    Command,
    Conflict,
    Context,
    IdReused,
    Outcome,
    exists,
    load_for_write,
    referenced,
    repeat_of_creation,
    require_write,
    save,
)
from commands.normalise import Text
from commands.opportunities import Quantity
from domain.base import check
from domain.opportunity import WON, Opportunity
from domain.order import Order, order_id_for
from domain.quote import ACCEPTED, Quote
from domain.quote_lines import QuoteLine

WHAT = "an order"
Reason = Annotated[Text, Field(min_length=1)]


class OrderExists(IdReused):
    rule = "order_exists"


class PlaceOrder(Command):
    """Exactly one of ``quote_id`` and ``opportunity_id``."""

    quote_id: UUID | None = None
    opportunity_id: UUID | None = None

    @model_validator(mode="after")
    def _one_source(self) -> PlaceOrder:
        if (self.quote_id is None) == (self.opportunity_id is None):
            raise ValueError("give either quote_id or opportunity_id")
        return self


class OrderCommand(Command):
    order_id: UUID


class ConfirmOrder(OrderCommand):
    pass


class Shipped(Command):
    line_id: UUID
    quantity: Quantity


class FulfilOrder(OrderCommand):
    lines: list[Shipped] = Field(min_length=1, max_length=500)


class CancelOrder(OrderCommand):
    reason: Reason


class ReturnOrder(OrderCommand):
    reason: Reason


def _from_quote(app: SalesApplication, quote_id: UUID) -> tuple[Any, dict[str, Any]]:
    quote = referenced(app, Quote, quote_id, "unknown_quote")
    check(
        quote.status == ACCEPTED, "quote_not_accepted", f"the quote is {quote.status}"
    )
    sent = quote.sent[quote.revision]["lines"]
    keep = set(QuoteLine.__dataclass_fields__)
    lines = [QuoteLine(**{k: v for k, v in li.items() if k in keep}) for li in sent]
    fields = {"quote_id": quote.id, "quote_revision": quote.revision}
    return quote, {"lines": lines, "opportunity_id": quote.opportunity_id, **fields}


def _from_deal(app: SalesApplication, deal_id: UUID) -> tuple[Any, dict[str, Any]]:
    deal = referenced(app, Opportunity, deal_id, "unknown_opportunity")
    check(deal.status == WON, "opportunity_not_won", f"the deal is {deal.status}")
    lines = [
        QuoteLine(
            li.line_id,
            li.product,
            li.sku,
            li.quantity,
            li.unit_price,
            configuration_id=li.configuration_id,
        )
        for li in deal.lines
    ] or [QuoteLine(deal.id, deal.name, None, Decimal(1), deal.amount)]
    return deal, {"lines": lines, "opportunity_id": deal.id}


def place_order(app: SalesApplication, cmd: PlaceOrder, ctx: Context) -> Outcome:
    if cmd.quote_id is not None:
        source, fields = _from_quote(app, cmd.quote_id)
    else:
        assert cmd.opportunity_id is not None
        source, fields = _from_deal(app, cmd.opportunity_id)
    require_write(ctx.caller, source.owner_id, "a deal")
    order_id = order_id_for(fields["opportunity_id"])
    if (found := exists(app, order_id)) is not None:
        return _repeat(app, found, cmd)
    order = Order.place(
        account_id=source.account_id,
        owner_id=source.owner_id,
        currency=source.currency,
        **fields,
    )
    try:
        return save(app, ctx, order, created=True)
    except Conflict:  # another order of this deal was recorded first
        return _repeat(app, exists(app, order_id), cmd)


def _repeat(app: SalesApplication, found: Any, cmd: PlaceOrder) -> Outcome:
    if isinstance(found, Order) and found.quote_id == cmd.quote_id:
        return repeat_of_creation(app, found, Order, {})
    raise OrderExists("the deal has an order already")


def _load(app: SalesApplication, order_id: UUID, ctx: Context) -> Order:
    return load_for_write(app, Order, order_id, ctx, WHAT)


def confirm_order(app: SalesApplication, cmd: ConfirmOrder, ctx: Context) -> Outcome:
    order = _load(app, cmd.order_id, ctx)
    order.confirm()
    return save(app, ctx, order)


def fulfil_order(app: SalesApplication, cmd: FulfilOrder, ctx: Context) -> Outcome:
    order = _load(app, cmd.order_id, ctx)
    quantities: dict[UUID, Decimal] = {}
    for shipped in cmd.lines:
        quantities[shipped.line_id] = (
            quantities.get(shipped.line_id, Decimal(0)) + shipped.quantity
        )
    order.fulfil(quantities)
    return save(app, ctx, order)


def cancel_order(app: SalesApplication, cmd: CancelOrder, ctx: Context) -> Outcome:
    order = _load(app, cmd.order_id, ctx)
    order.cancel(cmd.reason)
    return save(app, ctx, order)


def return_order(app: SalesApplication, cmd: ReturnOrder, ctx: Context) -> Outcome:
    order = _load(app, cmd.order_id, ctx)
    order.return_goods(cmd.reason)
    return save(app, ctx, order)
