"""``/dedup/collisions``: who is approaching a customer, for what purpose,
through which department and rep; and the overrides of the outreach guard.

Answered from the outreach view; the look-back windows come from the
settings (``SFA_OUTREACH_*``). ``min_position`` (from a write's
``position``) waits until the view has applied it: read-your-writes.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from api.auth import Reader, allowed
from api.deps import ContainerDep
from api.reads import wait_for_position
from api.schemas.collisions import CollisionsOut, OverridesOut, PurposeOut
from api.schemas.lists import POSITION_MAX
from commands.base import Caller, NotFound, exists
from domain.account import Account
from domain.contact import Contact
from projections.outreach import Outreach
from projections.outreach_query import Customer, current, overrides

router = APIRouter(prefix="/dedup/collisions", tags=["outreach"])
VIEW = Outreach.name
WAIT_SECONDS = 5.0
Managers = Annotated[Caller, allowed(frozenset({"manager", "admin", "auditor"}))]
MinPosition = Annotated[int | None, Query(ge=0, description="wait for this")]


def _customer(account_id: UUID | None, contact_id: UUID | None) -> Customer:
    if (account_id is None) == (contact_id is None):
        msg = "send exactly one of account_id and contact_id"
        error = {"type": "value_error", "loc": ("query", "account_id"), "msg": msg}
        raise RequestValidationError([error])
    return Customer(account_id, contact_id)


@router.get("", response_model=CollisionsOut, responses={404: {}, 422: {}, 503: {}})
def collisions(
    _: Reader,
    container: ContainerDep,
    account_id: Annotated[UUID | None, Query(description="an account")] = None,
    contact_id: Annotated[UUID | None, Query(description="or a contact")] = None,
    min_position: MinPosition = None,
) -> CollisionsOut:
    """Current outreach to an account (with its contacts) or a contact (with
    its account), by purpose: every planned activity and those completed
    within the purpose's look-back window, each with its rep and department.
    A purpose is ``colliding`` when more than one rep or department is at it."""
    customer = _customer(account_id, contact_id)
    wanted, kind = (account_id, Account) if account_id else (contact_id, Contact)
    assert wanted is not None
    if not isinstance(exists(container.app, wanted), kind):
        raise NotFound(f"no {kind.__name__.lower()} {wanted}")
    wait_for_position(container, VIEW, min_position, WAIT_SECONDS)
    store, policy = container.projections.store, container.app.outreach_policy
    now = dt.datetime.now(dt.UTC)
    with store.reading() as cursor:
        rows = current(cursor, store.names(Outreach), customer, now, policy)
    return CollisionsOut(
        account_id=account_id,
        contact_id=contact_id,
        as_of=now,
        position=store.position(VIEW),
        purposes=[
            PurposeOut.of(purpose, list(group), policy)
            for purpose, group in groupby(rows, key=lambda r: r["purpose"])
        ],
    )


@router.get("/overrides", response_model=OverridesOut, responses={503: {}})
def list_overrides(
    _: Managers,
    container: ContainerDep,
    rep_id: Annotated[UUID | None, Query(description="one rep's only")] = None,
    before: Annotated[
        int | None, Query(ge=1, le=POSITION_MAX, description="older than")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    min_position: MinPosition = None,
) -> OverridesOut:
    """Every time the outreach guard (collision, frequency cap, do-not-contact)
    was overridden: who, why, over which rules and activities; newest first.
    For managers, admins and auditors."""
    wait_for_position(container, VIEW, min_position, WAIT_SECONDS)
    store = container.projections.store
    with store.reading() as cursor:
        names = store.names(Outreach)
        rows = overrides(cursor, names, rep_id=rep_id, before=before, limit=limit + 1)
    more = len(rows) > limit
    return OverridesOut.model_validate(
        {
            "items": rows[:limit],
            "next_before": rows[limit - 1]["position"] if more else None,
            "position": store.position(VIEW),
        }
    )
