"""Territories from the territories view (list, accounts, assignment
history) (the realignment: ``api.routes.territory_realign``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.auth import Reader
from api.deps import ContainerDep
from api.reads import wait_for_position
from api.routes.orders import as_stored
from api.schemas.lists import Text
from api.schemas.territories import (
    Period,
    PeriodPage,
    TerritoryAccount,
    TerritoryAccountPage,
    TerritoryItem,
    TerritoryPage,
)
from projections.territories import Territories
from projections.territories_query import accounts, periods, territories

router = APIRouter(tags=["territories"])
Cursor = Annotated[int | None, Query(ge=0, le=2**63 - 1, description="next_cursor")]
Limit = Annotated[int, Query(ge=1, le=500)]
MinPosition = Annotated[int | None, Query(ge=0)]
NAME = Territories.name


@router.get("/territories", response_model=TerritoryPage, responses={503: {}})
def list_territories(
    _: Reader,
    container: ContainerDep,
    search: Text = None,
    parent_id: UUID | None = None,
    owner_rep_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> TerritoryPage:
    """Territories in the order created; ``search``: words of the name."""
    wait_for_position(container, NAME, min_position, 5.0)
    store = container.projections.store
    position = store.position(NAME)
    with store.reading() as c:
        page = territories(
            c,
            store.names(Territories),
            after=cursor,
            limit=limit,
            search=search,
            parent_id=parent_id,
            owner_rep_id=owner_rep_id,
        )
    items = [TerritoryItem(**row) for row in page.rows]
    after = None if page.after is None else str(page.after)
    return TerritoryPage(items=items, next_cursor=after, position=position)


@router.get(
    "/territories/{territory_id}/accounts",
    response_model=TerritoryAccountPage,
    responses={503: {}},
)
def territory_accounts(
    territory_id: UUID,
    _: Reader,
    container: ContainerDep,
    cursor: Annotated[UUID | None, Query(description="next_cursor")] = None,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> TerritoryAccountPage:
    """The accounts in the territory now (by rule or by hand)."""
    wait_for_position(container, NAME, min_position, 5.0)
    store = container.projections.store
    position = store.position(NAME)
    with store.reading() as c:
        after = None if cursor is None else str(cursor)
        page = accounts(
            c, store.names(Territories), territory_id, after=after, limit=limit
        )
    items = [TerritoryAccount(**row) for row in page.rows]
    more = None if page.after is None else str(page.after)
    return TerritoryAccountPage(items=items, next_cursor=more, position=position)


@router.get("/territory-assignments", response_model=PeriodPage, responses={503: {}})
def assignment_history(
    _: Reader,
    container: ContainerDep,
    account_id: UUID | None = None,
    territory_id: UUID | None = None,
    as_of: Annotated[datetime | None, Query(description="in force then")] = None,
    cursor: Cursor = None,
    limit: Limit = 500,
    min_position: MinPosition = None,
) -> PeriodPage:
    """Which account was in which territory, from when until when."""
    wait_for_position(container, NAME, min_position, 5.0)
    store = container.projections.store
    position = store.position(NAME)
    when = as_stored(as_of)
    with store.reading() as c:
        rows = periods(
            c,
            store.names(Territories),
            account_id=account_id,
            territory_id=territory_id,
            as_of=when,
            after=cursor,
            limit=limit + 1,
        )
    more = str(rows[limit - 1]["from_position"]) if len(rows) > limit else None
    items = [Period(**r) for r in rows[:limit]]
    return PeriodPage(items=items, next_cursor=more, position=position)
