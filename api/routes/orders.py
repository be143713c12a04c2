"""``/orders``: place an order from an accepted quote or a won deal (one
per deal), confirm, fulfil, cancel, return; ``GET /orders`` by account,
rep, status and period, from the commerce view."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.reads import wait_for_position
from api.schemas.quotes import (
    FulfilIn,
    OrderItem,
    OrderOut,
    OrderPage,
    OrderPlaceIn,
    ReasonIn,
)
from api.writes import WRITE_ERRORS, WriteDep, read_response
from commands import orders as cmd
from commands.base import Context, load
from domain.order import Order
from projections.agenda import utc
from projections.commerce import Commerce
from projections.commerce_query import orders

router = APIRouter(prefix="/orders", tags=["orders"])
Out = OrderOut
ONE = "/{order_id}"
Status = Annotated[
    str | None,
    Query(
        pattern="^(placed|confirmed|partially_fulfilled|fulfilled|cancelled|returned)$"
    ),
]
When = Annotated[datetime | None, Query(description="placed at or after / before")]


def as_stored(value: datetime | None) -> datetime | None:
    """In UTC, as stored (a time without zone is taken as UTC; beyond the
    calendar's ends: its first or last moment)."""
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    found: datetime | None = utc(value)
    return found


@router.post("", status_code=201, response_model=Out, responses=WRITE_ERRORS)
def place_order(body: OrderPlaceIn, w: WriteDep) -> JSONResponse:
    """From an accepted quote (its accepted revision's lines, discounts
    included) or a won deal (its line items). One order per deal: the same
    request again answers it; another is a 409 (``order_exists``)."""
    command = cmd.PlaceOrder(**body.model_dump())
    return w.run(cmd.place_order, command, Out.of)


@router.get("", response_model=OrderPage, responses={503: {}})
def list_orders(
    _: Reader,
    container: ContainerDep,
    account_id: UUID | None = None,
    owner_id: Annotated[UUID | None, Query(description="the rep")] = None,
    opportunity_id: UUID | None = None,
    status: Status = None,
    placed_since: When = None,
    placed_until: When = None,
    cursor: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="next_cursor")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> OrderPage:
    """Orders in the order placed; the period is [since, until)."""
    wait_for_position(container, Commerce.name, min_position, 5.0)
    store = container.projections.store
    position = store.position(Commerce.name)
    with store.reading() as c:
        page = orders(
            c,
            store.names(Commerce),
            after=cursor,
            limit=limit,
            account_id=account_id,
            owner_id=owner_id,
            opportunity_id=opportunity_id,
            status=status,
            placed_since=utc(placed_since),
            placed_until=utc(placed_until),
        )
    after = None if page.after is None else str(page.after)
    items = [OrderItem.of(row) for row in page.rows]
    return OrderPage(items=items, next_cursor=after, position=position)


@router.get(ONE, response_model=Out, responses={404: {}})
def get_order(order_id: UUID, _: Reader, container: ContainerDep) -> JSONResponse:
    found = load(container.app, Order, order_id, Context.anonymous())
    return read_response(Out.of(found), found.version)


@router.post(ONE + "/confirm", response_model=Out, responses=WRITE_ERRORS)
def confirm(order_id: UUID, w: WriteDep) -> JSONResponse:
    return w.run(cmd.confirm_order, cmd.ConfirmOrder(order_id=order_id), Out.of)


@router.post(ONE + "/fulfilments", response_model=Out, responses=WRITE_ERRORS)
def fulfil(order_id: UUID, body: FulfilIn, w: WriteDep) -> JSONResponse:
    """Record quantities shipped; never beyond a line's quantity. The order
    is ``partially_fulfilled`` until every line is, then ``fulfilled``."""
    command = cmd.FulfilOrder(order_id=order_id, lines=body.lines)
    return w.run(cmd.fulfil_order, command, Out.of)


@router.post(ONE + "/cancel", response_model=Out, responses=WRITE_ERRORS)
def cancel(order_id: UUID, body: ReasonIn, w: WriteDep) -> JSONResponse:
    """Only before anything was shipped."""
    command = cmd.CancelOrder(order_id=order_id, reason=body.reason)
    return w.run(cmd.cancel_order, command, Out.of)


@router.post(ONE + "/return", response_model=Out, responses=WRITE_ERRORS)
def return_order(order_id: UUID, body: ReasonIn, w: WriteDep) -> JSONResponse:
    """The customer returns the order (after something was shipped)."""
    command = cmd.ReturnOrder(order_id=order_id, reason=body.reason)
    return w.run(cmd.return_order, command, Out.of)
