"""Bodies of the history (timeline) reads."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field


class EntryOut(BaseModel):
    position: int = Field(description="global log position of the event")
    occurred_at: datetime
    contact_id: UUID | None
    account_id: UUID | None
    record_type: str = Field(description="contact, account, activity, …")
    record_id: UUID
    event_type: str = Field(description="e.g. sfa.activity.completed.v1")
    activity_kind: str | None
    purpose: str | None
    department: str | None
    rep_id: UUID | None
    actor: str
    details: dict[str, Any]

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> EntryOut:
        names = list(cls.model_fields)
        values = dict(zip(names, row, strict=True))
        values["details"] = json.loads(values["details"])
        return cls.model_validate(values)


class HistoryOut(BaseModel):
    items: list[EntryOut]
    next_cursor: int | None = Field(
        description="send as `before` for the next (older) page; null: no more"
    )
    position: int = Field(description="the view had applied the log up to here")
