"""Timelines: ``GET /contacts/{id}/history`` and ``/accounts/{id}/history``.

Answered from the contact history view. ``min_position`` (from a write's
``position``) waits until the view has applied it: read-your-writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.auth import Reader
from api.deps import ContainerDep
from api.reads import absorbed, wait_for_position
from api.schemas.history import EntryOut, HistoryOut
from api.schemas.lists import POSITION_MAX
from commands.normalise import NO_NUL
from projections.contact_history import ContactHistory
from projections.contact_history_query import timeline

router = APIRouter(tags=["history"])
VIEW = ContactHistory.name
WAIT_SECONDS = 5.0


Before = Annotated[int | None, Query(ge=1, le=POSITION_MAX, description="page cursor")]
Limit = Annotated[int, Query(ge=1, le=500)]
MinPosition = Annotated[int | None, Query(ge=0, description="wait for this")]
Filter = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]


@dataclass
class HistoryQuery:
    """Paging, read-your-writes and filters, the same for both timelines."""

    before: Before = None
    limit: Limit = 50
    min_position: MinPosition = None
    record_type: Filter = None
    kind: Filter = None
    purpose: Filter = None
    department: Filter = None
    rep_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None

    def filters(self) -> dict[str, object]:
        skip = {"before", "limit", "min_position"}
        return {k: v for k, v in vars(self).items() if k not in skip}


Query_ = Annotated[HistoryQuery, Depends()]


def history(
    container: ContainerDep,
    of: Literal["contact_id", "account_id"],
    record_id: UUID,
    query: HistoryQuery,
) -> HistoryOut:
    wait_for_position(container, VIEW, query.min_position, WAIT_SECONDS)
    record_ids = absorbed(container, record_id)
    store = container.projections.store
    with store.reading() as cursor:
        rows = timeline(
            cursor,
            store.names(ContactHistory),
            of=of,
            record_id=record_ids,
            before=query.before,
            limit=query.limit + 1,  # one more tells whether a next page exists
            **query.filters(),
        )
    items = [EntryOut.of(row) for row in rows[: query.limit]]
    more = len(rows) > query.limit
    return HistoryOut(
        items=items,
        next_cursor=items[-1].position if more and items else None,
        position=store.position(VIEW),
    )


@router.get("/contacts/{contact_id}/history", response_model=HistoryOut)
def contact_history(
    contact_id: UUID, _: Reader, container: ContainerDep, query: Query_
) -> HistoryOut:
    """The contact's timeline, newest first: its detail changes and every
    activity with it. Filter by record type, activity kind, purpose,
    department, rep and time (``since`` inclusive, ``until`` exclusive)."""
    return history(container, "contact_id", contact_id, query)


@router.get("/accounts/{account_id}/history", response_model=HistoryOut)
def account_history(
    account_id: UUID, _: Reader, container: ContainerDep, query: Query_
) -> HistoryOut:
    """The account's timeline, newest first: its own changes, its contacts',
    the activities with them, its opportunities and lead conversions."""
    return history(container, "account_id", account_id, query)
