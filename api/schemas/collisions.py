"""Bodies of the outreach reads (``/dedup/collisions``)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.outreach_rules import Entry, Policy, collisions


class ApproachOut(BaseModel):
    activity_id: UUID
    contact_id: UUID | None = None
    account_id: UUID | None = Field(
        default=None, description="named, or the contact's account"
    )
    purpose: str
    kind: str
    rep_id: UUID | None = None
    department: str | None = None
    status: str = Field(description="planned or completed")
    scheduled_at: dt.datetime | None = Field(default=None, description="UTC")
    completed_at: dt.datetime | None = Field(default=None, description="UTC")
    at: dt.datetime = Field(description="scheduled time, or completion time")
    override_reason: str | None = Field(
        default=None, description="the guard was overridden"
    )


def _entry(row: dict[str, Any]) -> Entry:
    return Entry(
        row["activity_id"], row["purpose"], row["contact_id"], row["account_id"],
        row["rep_id"], row["department"], row["status"], row["at"],
    )  # fmt: skip


class PurposeOut(BaseModel):
    purpose: str
    window_days: int = Field(description="look-back window of this purpose")
    colliding: bool = Field(
        description="two of its approaches collide as the guard decides: other "
        "rep or department, same contact or account, within the window"
    )
    reps: list[UUID | None]
    departments: list[str | None]
    approaches: list[ApproachOut]

    @classmethod
    def of(cls, purpose: str, rows: list[dict[str, Any]], policy: Policy) -> PurposeOut:
        entries = [_entry(r) for r in rows]
        clash = any(collisions(entries[:n], e, policy) for n, e in enumerate(entries))
        return cls(
            purpose=purpose,
            window_days=policy.window(purpose).days,
            colliding=clash,
            reps=list(dict.fromkeys(r["rep_id"] for r in rows)),
            departments=list(dict.fromkeys(r["department"] for r in rows)),
            approaches=[ApproachOut(**r) for r in rows],
        )


_APPROACH: dict[str, Any] = {
    "activity_id": "9f0c6b1e-3b2a-4c5d-9e8f-0a1b2c3d4e5f",
    "contact_id": "7d6f8c1e-3b2a-4c5d-9e8f-0a1b2c3d4e5f",
    "account_id": "5c0ffee0-3b2a-4c5d-9e8f-0a1b2c3d4e5f",
    "purpose": "renewal",
    "kind": "call",
    "rep_id": "0a0a0a0a-0000-4000-8000-000000000001",
    "department": "sales",
    "status": "planned",
    "scheduled_at": "2030-05-06T07:30:00Z",
    "completed_at": None,
    "at": "2030-05-06T07:30:00Z",
    "override_reason": None,
}


class CollisionsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": _APPROACH["account_id"],
                    "contact_id": None,
                    "as_of": "2030-05-01T12:00:00Z",
                    "position": 4711,
                    "purposes": [
                        {
                            "purpose": "renewal",
                            "window_days": 30,
                            "colliding": False,
                            "reps": [_APPROACH["rep_id"]],
                            "departments": ["sales"],
                            "approaches": [_APPROACH],
                        }
                    ],
                }
            ]
        }
    )

    account_id: UUID | None = None
    contact_id: UUID | None = None
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
    contact_id: UUID | None = None
    account_id: UUID | None = None
    purpose: str | None = None
    rep_id: UUID | None = None
    department: str | None = None


class OverridesOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "position": 4712,
                            "activity_id": "1b2c3d4e-3b2a-4c5d-9e8f-0a1b2c3d4e5f",
                            "occurred_at": "2030-05-01T12:03:00Z",
                            "actor": "bob",
                            "reason": "Bob covers renewals this quarter",
                            "rules": ["outreach_collision"],
                            "colliding_ids": [_APPROACH["activity_id"]],
                            "contact_id": None,
                            "account_id": _APPROACH["account_id"],
                            "purpose": "renewal",
                            "rep_id": "0a0a0a0a-0000-4000-8000-000000000002",
                            "department": "service",
                        }
                    ],
                    "next_before": None,
                    "position": 4712,
                }
            ]
        }
    )

    items: list[OverrideOut]
    next_before: int | None = Field(
        default=None, description="send as `before` for older ones"
    )
    position: int
