"""Bodies of the rep agenda read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

Reason = Literal[
    "overdue", "due_today", "follow_up_missing", "close_date_passed", "stale_deal"
]
ACTIVITY_REASONS = ("overdue", "due_today", "follow_up_missing")


class ActivityRef(BaseModel):
    kind: str
    purpose: str
    contact_id: UUID | None
    account_id: UUID | None = Field(description="named, or the contact's account")
    scheduled_at: dt.datetime | None = Field(description="UTC")
    completed_at: dt.datetime | None = Field(description="UTC")
    outcome: str | None


class OpportunityRef(BaseModel):
    name: str
    account_id: UUID
    stage: str
    amount: Decimal
    currency: str
    expected_close_date: dt.date
    opened_at: dt.datetime = Field(description="UTC")
    last_activity_at: dt.datetime | None = Field(
        description="the last completed activity with the account (UTC); null: none"
    )


class ItemOut(BaseModel):
    """One thing to do, why it is on the agenda, and the record it is about
    (``activity`` or ``opportunity``, the other is null)."""

    reason: Reason = Field(description="why it is on the agenda")
    record_type: Literal["activity", "opportunity"]
    record_id: UUID
    link: str = Field(description="where the record is read, e.g. /activities/{id}")
    activity: ActivityRef | None = None
    opportunity: OpportunityRef | None = None

    @classmethod
    def of(cls, reason: str, row: tuple[Any, ...]) -> ItemOut:
        """From a row of ``projections.agenda_query.agenda``: the record's id, then
        the fields of its reference, in order."""
        record_id, *fields = row
        activity = reason in ACTIVITY_REASONS
        kind, ref = (
            ("activity", ActivityRef) if activity else ("opportunity", OpportunityRef)
        )
        path = "activities" if activity else "opportunities"
        return cls.model_validate(
            {
                "reason": reason,
                "record_type": kind,
                "record_id": record_id,
                "link": f"/{path}/{record_id}",
                kind: dict(zip(ref.model_fields, fields, strict=True)),
            }
        )


class AgendaOut(BaseModel):
    rep_id: UUID
    date: dt.date = Field(description="the day asked for (default: today)")
    tz: str = Field(description="the time zone whose days are meant")
    items: list[ItemOut] = Field(
        description="overdue, due today, follow-ups missing, deals past their"
        " close date, stale deals; each group oldest first"
    )
    truncated: list[Reason] = Field(
        description="reasons with more items than `limit`: ask for more"
    )
    position: int = Field(description="the view had applied the log up to here")
