"""``/quotes``: draft a quote from an opportunity, edit its lines and
validity while it is a draft; ``GET /quotes`` lists them from the commerce
view. Quotes are changed by whoever may change their owner's records."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.reads import wait_for_position
from api.schemas.quotes import (
    QuoteIn,
    QuoteItem,
    QuoteLineIn,
    QuoteLinePatch,
    QuoteOut,
    QuotePage,
    ValidityIn,
)
from api.writes import WRITE_ERRORS, WriteDep, read_response
from commands import quotes as cmd
from commands.base import Context, load
from domain.quote import Quote
from projections.commerce import Commerce
from projections.commerce_query import quotes

router = APIRouter(tags=["quotes"])
Out = QuoteOut
ONE = "/quotes/{quote_id}"
LINE = ONE + "/lines/{line_id}"
Status = Annotated[
    str | None, Query(pattern="^(draft|pending_approval|sent|accepted|rejected)$")
]


@router.post(
    "/opportunities/{opportunity_id}/quotes",
    status_code=201,
    response_model=Out,
    responses=WRITE_ERRORS,
)
def draft_quote(opportunity_id: UUID, body: QuoteIn, w: WriteDep) -> JSONResponse:
    """Draft a quote for an open deal, in its currency, with its line items
    (``copy_lines``). It records the approval threshold now in force."""
    command = cmd.DraftQuote(opportunity_id=opportunity_id, **body.model_dump())
    return w.run(cmd.draft_quote, command, Out.of)


@router.get("/quotes", response_model=QuotePage, responses={503: {}})
def list_quotes(
    _: Reader,
    container: ContainerDep,
    opportunity_id: UUID | None = None,
    account_id: UUID | None = None,
    owner_id: UUID | None = None,
    status: Status = None,
    cursor: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="next_cursor")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> QuotePage:
    """Quotes in the order drafted, with the figures of the revision sent
    last."""
    wait_for_position(container, Commerce.name, min_position, 5.0)
    store = container.projections.store
    position = store.position(Commerce.name)
    filters = {
        "opportunity_id": opportunity_id,
        "account_id": account_id,
        "owner_id": owner_id,
        "status": status,
    }
    with store.reading() as c:
        page = quotes(c, store.names(Commerce), after=cursor, limit=limit, **filters)
    after = None if page.after is None else str(page.after)
    items = [QuoteItem.of(row) for row in page.rows]
    return QuotePage(items=items, next_cursor=after, position=position)


@router.get(ONE, response_model=Out, responses={404: {}})
def get_quote(quote_id: UUID, _: Reader, container: ContainerDep) -> JSONResponse:
    """The quote now, with every revision as it was sent."""
    found = load(container.app, Quote, quote_id, Context.anonymous())
    return read_response(Out.of(found), found.version)


@router.post(ONE + "/validity", response_model=Out, responses=WRITE_ERRORS)
def change_validity(quote_id: UUID, body: ValidityIn, w: WriteDep) -> JSONResponse:
    command = cmd.ChangeQuoteValidity(quote_id=quote_id, **body.model_dump())
    return w.run(cmd.change_quote_validity, command, Out.of)


@router.post(ONE + "/lines", response_model=Out, responses=WRITE_ERRORS)
def add_line(quote_id: UUID, body: QuoteLineIn, w: WriteDep) -> JSONResponse:
    """Add a product (at its list price now) or a configuration (at its
    total), with a discount. Any line change withdraws an approval."""
    command = cmd.AddQuoteLine(quote_id=quote_id, **body.model_dump())
    return w.run(cmd.add_quote_line, command, Out.of)


@router.patch(LINE, response_model=Out, responses=WRITE_ERRORS)
def change_line(
    quote_id: UUID, line_id: UUID, body: QuoteLinePatch, w: WriteDep
) -> JSONResponse:
    fields = body.model_dump(exclude_none=True)
    command = cmd.ChangeQuoteLine(quote_id=quote_id, line_id=line_id, **fields)
    return w.run(cmd.change_quote_line, command, Out.of)


@router.delete(LINE, response_model=Out, responses=WRITE_ERRORS)
def remove_line(quote_id: UUID, line_id: UUID, w: WriteDep) -> JSONResponse:
    command = cmd.RemoveQuoteLine(quote_id=quote_id, line_id=line_id)
    return w.run(cmd.remove_quote_line, command, Out.of)
