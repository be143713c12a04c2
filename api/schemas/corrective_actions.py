"""Bodies of the corrective action routes."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from commands.corrective_actions import ActionKind
from commands.normalise import Currency, Name, Text
from commands.standards import ActivityKind, Metric, Scope

_REP = "0a0a0a0a-0000-4000-8000-000000000001"
_MANAGER = "0a0a0a0a-0000-4000-8000-000000000009"


class ActionIn(BaseModel):
    """Against the variance of ``member`` (rep or team id, territory, or
    ``everyone``) in ``scope``, for ``metric`` in ``period``."""

    model_config = examples(
        {
            "scope": "rep",
            "member": _REP,
            "metric": "activities_completed",
            "activity_kind": "call",
            "period": "2026-11",
            "owner_id": _MANAGER,
            "kind": "coaching",
            "due_date": "2026-12-15",
            "note": "ride-alongs on two call days",
        }
    )

    id: UUID | None = CHOSEN_ID
    scope: Scope
    member: Name
    metric: Metric
    activity_kind: ActivityKind | None = None
    currency: Currency | None = None
    period: str = Field(max_length=10, description="YYYY-MM, YYYY-Qn or YYYY")
    owner_id: UUID = Field(description="an active rep who carries it out")
    kind: ActionKind
    due_date: dt.date
    note: Text | None = None


class ActionPatch(BaseModel):
    """Only the fields sent change."""

    model_config = examples({"due_date": "2027-01-15"})

    due_date: dt.date | None = None
    owner_id: UUID | None = None


class CloseIn(BaseModel):
    model_config = examples({"outcome": "call volume back to standard"})

    outcome: Text
    closed_on: dt.date | None = Field(default=None, description="default: today")


class ActionOut(RecordOut):
    scope: str
    member: str
    metric: str
    activity_kind: str | None
    currency: str | None
    period: str
    owner_id: UUID
    kind: str
    due_date: dt.date
    note: str | None
    status: str
    outcome: str | None
    closed_on: dt.date | None
