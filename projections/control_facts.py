"""The facts of an activity or a deal the control view's tallies need, kept
in the batch's cache (``Step.lookup``) as the view's tables hold them, so a
handler computes its tallies in Python instead of selecting them in SQL.

What must hold:
- A cached fact is the row as the database has it: every handler that
  writes a cached column ``remember``s the new row in the same step.
- ``prefetch`` loads the rows a batch's events will look up in a few
  queries; an event whose row is not cached reads it alone.
- Values read back are made what the handlers write (a UUID, a date, a
  datetime, a Decimal), so they compare and add alike on either store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple
from uuid import UUID

from domain.activity import Activity
from domain.opportunity import Opportunity
from projections.events import event_class
from projections.view import Step

ACT_EVENTS = tuple(
    event_class(Activity, name)
    for name in ("Planned", "Logged", "Completed", "Cancelled")
)
DEAL_EVENTS = tuple(
    event_class(Opportunity, name)
    for name in ("Opened", "OwnerChanged", "StageChanged", "Won", "Lost", "Reopened")
)
ACT = "control.activity"
DEAL = "control.deal"


class Act(NamedTuple):
    owner_id: UUID | None
    kind: str
    planned: bool
    follow_up: bool
    status: str
    due_before: datetime | None
    due_month: date | None


class Deal(NamedTuple):
    owner_id: UUID | None
    probability: int
    status: str
    closed_by: UUID | None
    closed_month: date | None
    won_amount: Decimal | None
    currency: str
    cycle_seconds: int | None
    opened_epoch: int


ACT_COLUMNS = "owner_id, kind, planned, follow_up, status, due_before, due_month"
DEAL_COLUMNS = (
    "owner_id, probability, status, closed_by, closed_month, won_amount,"
    " currency, cycle_seconds, opened_epoch"
)
ACT_ONE = f"SELECT {ACT_COLUMNS} FROM {{activities}} WHERE activity_id = %s"
ACT_MANY = f"SELECT activity_id, {ACT_COLUMNS} FROM {{activities}}"
DEAL_ONE = f"SELECT {DEAL_COLUMNS} FROM {{deals}} WHERE opportunity_id = %s"
DEAL_MANY = f"SELECT opportunity_id, {DEAL_COLUMNS} FROM {{deals}}"


def uuid(value: Any) -> Any:
    return UUID(value) if isinstance(value, str) else value


def day(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def number(value: Any) -> Any:
    return Decimal(str(value)) if isinstance(value, float | str) else value


def moment(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def activity(step: Step, activity_id: Any) -> Act | None:
    row = step.lookup((ACT, activity_id), ACT_ONE, activity_id)
    if row is None or isinstance(row, Act):
        return row
    owner, kind, planned, follow_up, status, due_before, due_month = row
    fact = Act(
        uuid(owner),
        kind,
        bool(planned),
        bool(follow_up),
        status,
        moment(due_before),
        day(due_month),
    )
    step.remember((ACT, activity_id), fact)
    return fact


def deal(step: Step, deal_id: Any) -> Deal | None:
    row = step.lookup((DEAL, deal_id), DEAL_ONE, deal_id)
    if row is None or isinstance(row, Deal):
        return row
    owner, probability, status, closed_by, month, won, currency, cycle, epoch = row
    fact = Deal(
        uuid(owner),
        int(probability),
        status,
        uuid(closed_by),
        day(month),
        number(won),
        currency,
        None if cycle is None else int(cycle),
        int(epoch),
    )
    step.remember((DEAL, deal_id), fact)
    return fact


def prefetch(step: Step, events: Sequence[Any]) -> None:
    """The rows of the batch's activities and deals, a few queries in all."""
    acts = {e.originator_id for e in events if isinstance(e, ACT_EVENTS)}
    deals = {e.originator_id for e in events if isinstance(e, DEAL_EVENTS)}
    if acts:
        step.preload(ACT, ACT_MANY + " WHERE activity_id IN (%s)", acts)
    if deals:
        step.preload(DEAL, DEAL_MANY + " WHERE opportunity_id IN (%s)", deals)


def opened(owner: Any, probability: int, currency: str, epoch: int) -> Deal:
    """A deal's facts as it opens."""
    return Deal(owner, probability, "open", None, None, None, currency, None, epoch)


def created(step: Step, record_id: Any, fact: Act | Deal) -> None:
    """``fact`` cached as the new row of ``record_id``, unless it had one
    (the insert, ``ON CONFLICT DO NOTHING``, kept the old row)."""
    kind = ACT if isinstance(fact, Act) else DEAL
    find = activity if kind == ACT else deal
    if find(step, record_id) is None:
        step.remember((kind, record_id), fact)


def activity_changed(step: Step, activity_id: Any, **changes: Any) -> Act | None:
    """The cached activity with ``changes`` (as its row now is)."""
    fact = activity(step, activity_id)
    if fact is not None:
        fact = fact._replace(**changes)
        step.remember((ACT, activity_id), fact)
    return fact


def deal_changed(step: Step, deal_id: Any, **changes: Any) -> Deal | None:
    """The cached deal with ``changes`` (as its row now is)."""
    fact = deal(step, deal_id)
    if fact is not None:
        fact = fact._replace(**changes)
        step.remember((DEAL, deal_id), fact)
    return fact
