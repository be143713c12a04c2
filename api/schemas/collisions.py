"""Bodies of the outreach reads (``/dedup/collisions``)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from domain.outreach_rules import Policy


class ApproachOut(BaseModel):
    activity_id: UUID
    contact_id: UUID | None
    account_id: UUID | None = Field(description="named, or the contact's account")
    purpose: str
    kind: str
    rep_id: UUID | None
    department: str | None
    status: str = Field(description="planned or completed")
    scheduled_at: dt.datetime | None = Field(description="UTC")
    completed_at: dt.datetime | None = Field(description="UTC")
    at: dt.datetime = Field(description="scheduled time, or completion time")
    override_reason: str | None = Field(description="the guard was overridden")


class PurposeOut(BaseModel):
    purpose: str
    window_days: int = Field(description="look-back window of this purpose")
    colliding: bool = Field(
        description="more than one rep or department approaches for it"
    )
    reps: list[UUID | None]
    departments: list[str | None]
    approaches: list[ApproachOut]

    @classmethod
    def of(cls, purpose: str, rows: list[dict[str, Any]], policy: Policy) -> PurposeOut:
        hands = {(r["rep_id"], r["department"]) for r in rows}
        return cls(
            purpose=purpose,
            window_days=policy.window(purpose).days,
            colliding=len(hands) > 1,
            reps=list(dict.fromkeys(r["rep_id"] for r in rows)),
            departments=list(dict.fromkeys(r["department"] for r in rows)),
            approaches=[ApproachOut(**r) for r in rows],
        )


class CollisionsOut(BaseModel):
    account_id: UUID | None
    contact_id: UUID | None
    as_of: dt.datetime = Field(description="the moment the windows end")
    position: int = Field(description="log position the view has applied")
    purposes: list[PurposeOut]


class OverrideOut(BaseModel):
    position: int
    activity_id: UUID
    occurred_at: dt.datetime
    actor: str = Field(description="who overrode")
    reason: str
    rules: list[str] = Field(
        description="outreach_collision, outreach_frequency_cap, contact_do_not_contact"
    )
    colliding_ids: list[UUID] = Field(description="the activities it collided with")
    contact_id: UUID | None
    account_id: UUID | None
    purpose: str | None
    rep_id: UUID | None
    department: str | None


class OverridesOut(BaseModel):
    items: list[OverrideOut]
    next_before: int | None = Field(description="send as `before` for older ones")
    position: int
