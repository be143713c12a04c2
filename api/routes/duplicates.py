"""Likely duplicates from the dedup view: every pair, or one record's.

``min_position`` (from a write's ``position``) waits until the view has
applied it: read-your-writes. Scores and explanations: docs/read-models.md.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from api.auth import Reader
from api.deps import ContainerDep
from api.reads import wait_for_position
from api.schemas.duplicates import DuplicateOut, DuplicatesOut, PairOut, PairsOut
from commands.base import NotFound, exists
from domain.account import Account
from domain.contact import Contact
from infra.bootstrap import Container
from projections.dedup import Dedup
from projections.dedup_query import all_pairs, duplicates_of

router = APIRouter(tags=["dedup"])
VIEW = Dedup.name
WAIT_SECONDS = 5.0
MinScore = Annotated[float, Query(ge=0, le=1, description="pairs scoring at least")]
Limit = Annotated[int, Query(ge=1, le=500)]
MinPosition = Annotated[int | None, Query(ge=0, description="wait for this")]
READ_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "no valid bearer token"},
    403: {"description": "your role may not read this"},
    503: {"description": "the view has not applied min_position yet"},
}


@router.get("/dedup/duplicates", response_model=PairsOut, responses=READ_ERRORS)
def duplicate_pairs(
    _: Reader,
    container: ContainerDep,
    type: Literal["contact", "account"] = "contact",
    min_score: MinScore = 0.5,
    limit: Limit = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    min_position: MinPosition = None,
) -> PairsOut:
    """Every likely duplicate pair of contacts (or accounts), once each, best
    first, with how each field matched. Pairs marked not a duplicate and
    merged records are left out."""
    wait_for_position(container, VIEW, min_position, WAIT_SECONDS)
    store = container.projections.store
    with store.reading() as cursor:
        rows = all_pairs(cursor, store.names(Dedup), type, min_score, limit + 1, offset)
    items = [
        PairOut(record_id=r[0], **DuplicateOut.of(r[1], r[2], r[3], r[4]).model_dump())
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    return PairsOut(
        items=items,
        next_offset=offset + limit if more else None,
        position=store.position(VIEW),
    )


def record_duplicates(
    container: Container,
    record_id: UUID,
    kind: type,
    min_score: float,
    limit: int,
    min_position: int | None,
) -> DuplicatesOut:
    if not isinstance(exists(container.app, record_id), kind):
        raise NotFound(f"no {kind.__name__.lower()} {record_id}")
    wait_for_position(container, VIEW, min_position, WAIT_SECONDS)
    store = container.projections.store
    with store.reading() as cursor:
        rows = duplicates_of(cursor, store.names(Dedup), record_id, min_score, limit)
    return DuplicatesOut(
        record_id=record_id,
        items=[DuplicateOut.of(r[1], r[2], r[3], r[4]) for r in rows],
        position=store.position(VIEW),
    )


ONE_ERRORS = {**READ_ERRORS, 404: {"description": "no such record"}}


@router.get(
    "/contacts/{contact_id}/duplicates",
    response_model=DuplicatesOut,
    responses=ONE_ERRORS,
)
def contact_duplicates(
    contact_id: UUID,
    _: Reader,
    container: ContainerDep,
    min_score: MinScore = 0.5,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> DuplicatesOut:
    """The contact's likely duplicates, best first, each explained."""
    return record_duplicates(
        container, contact_id, Contact, min_score, limit, min_position
    )


@router.get(
    "/accounts/{account_id}/duplicates",
    response_model=DuplicatesOut,
    responses=ONE_ERRORS,
)
def account_duplicates(
    account_id: UUID,
    _: Reader,
    container: ContainerDep,
    min_score: MinScore = 0.5,
    limit: Limit = 50,
    min_position: MinPosition = None,
) -> DuplicatesOut:
    """The account's likely duplicates, best first, each explained."""
    return record_duplicates(
        container, account_id, Account, min_score, limit, min_position
    )
