"""A deal's commercial close, for ``deals.story``: the quote at the
proposal stage (approved by a manager first when its discount is above the
10 % threshold) and, when won, the accepted quote, the account becoming a
customer, the order placed from the quote, confirmed and fulfilled."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from commands import accounts, opportunities, orders, quote_decisions
from commands import quotes as q
from domain.order import order_id_for
from domain.product import product_id_for
from infra.demo.names import PRODUCTS
from infra.demo.world import World

Lines = list[tuple[str, int, Decimal]]


@dataclass(frozen=True)
class Deal:
    key: str
    id: UUID
    account: UUID
    contact: UUID
    owner: UUID
    opened: datetime
    manager: UUID | None = None
    purpose: str | None = None  # every touch's purpose (an upsell), else by stage


def lines(rng: random.Random) -> list[tuple[str, int, Decimal]]:
    """(SKU, quantity, unit price) of a plausible fleet order."""
    chosen = [(PRODUCTS[0], rng.randint(1, 3)), (PRODUCTS[2], rng.randint(10, 120))]
    if rng.random() < 0.5:
        chosen.append((PRODUCTS[1], 1))
    if rng.random() < 0.4:
        chosen.append((PRODUCTS[3], 1))
    return [(p[0], n, Decimal(p[3])) for p, n in chosen]


def quote(
    world: World,
    rng: random.Random,
    deal: Deal,
    items: Lines,
    at: datetime,
    close: datetime,
) -> None:
    quote_id = world.id("quote", deal.key)
    valid = max(close, at) + timedelta(days=21)
    world.do(
        at,
        q.draft_quote,
        q.DraftQuote(
            id=quote_id,
            opportunity_id=deal.id,
            valid_until=valid.date(),
            copy_lines=False,
        ),
    )
    discount = Decimal(rng.choice((0, 5, 5, 10, 15)))
    for i, (sku, n, _) in enumerate(items):
        world.do(
            at,
            q.add_quote_line,
            q.AddQuoteLine(
                quote_id=quote_id,
                line_id=world.id("quote-line", deal.key, i),
                product_id=product_id_for(sku),
                quantity=Decimal(n),
                discount_percent=discount,
            ),
        )
    later = at + timedelta(hours=1)
    if discount > 10:
        world.do(
            later,
            quote_decisions.request_approval,
            quote_decisions.RequestApproval(quote_id=quote_id),
        )
        world.do(
            later,
            quote_decisions.approve_discount,
            quote_decisions.ApproveDiscount(quote_id=quote_id),
        )
    world.do(
        later, quote_decisions.send_quote, quote_decisions.SendQuote(quote_id=quote_id)
    )


def won(
    world: World,
    rng: random.Random,
    deal: Deal,
    items: Lines,
    at: datetime,
) -> None:
    quote_id = world.id("quote", deal.key)
    world.do(
        at,
        quote_decisions.accept_quote,
        quote_decisions.AcceptQuote(quote_id=quote_id, revision=1),
    )
    world.do(
        at,
        opportunities.win_opportunity,
        opportunities.WinOpportunity(opportunity_id=deal.id),
    )
    world.do(
        at,
        accounts.change_account_status,
        accounts.ChangeAccountStatus(account_id=deal.account, status="active_customer"),
    )
    order_id = order_id_for(deal.id)
    world.do(
        at + timedelta(hours=1),
        orders.place_order,
        orders.PlaceOrder(quote_id=quote_id),
    )
    world.do(
        at + timedelta(days=1),
        orders.confirm_order,
        orders.ConfirmOrder(order_id=order_id),
    )
    shipped = at + timedelta(days=rng.randint(7, 30))
    if shipped >= world.end:
        return
    partly = rng.random() < 0.3
    sent = [
        orders.Shipped(
            line_id=world.id("quote-line", deal.key, i),
            quantity=Decimal(max(1, n // 2) if partly else n),
        )
        for i, (_, n, _) in enumerate(items)
    ]
    world.do(
        shipped, orders.fulfil_order, orders.FulfilOrder(order_id=order_id, lines=sent)
    )
