"""Bodies of the audit reads (``/audit/...``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from infra.audit_log import AuditEvent, RecordState
from infra.ledger import Checkpoint, Verdict

_ID = "0a0a0a0a-0000-4000-8000-000000000001"
_EVENT = {
    "position": 42,
    "aggregate_id": _ID,
    "aggregate_type": "contact",
    "version": 2,
    "type": "sfa.contact.renamed.v1",
    "occurred_at": "2026-03-01T09:30:00Z",
    "actor": "ann",
    "correlation_id": "0a0a0a0a-0000-4000-8000-00000000000c",
    "causation_id": None,
    "data": {"given_name": "Ada", "family_name": "Byron"},
}


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class EventOut(BaseModel):
    model_config = _example(_EVENT)

    position: int = Field(description="global log position")
    aggregate_id: UUID
    aggregate_type: str = Field(description="contact, account, activity, …")
    version: int = Field(description="the record's version after this event")
    type: str = Field(description="public name, sfa.<aggregate>.<event>.v<N>")
    occurred_at: datetime
    actor: str | None
    correlation_id: UUID | None
    causation_id: UUID | None
    data: dict[str, Any] = Field(description="the event's own fields, decoded")

    @classmethod
    def of(cls, event: AuditEvent) -> EventOut:
        return cls.model_validate(event.to_json())


class StreamOut(BaseModel):
    model_config = _example({"aggregate_id": _ID, "items": [_EVENT]})

    aggregate_id: UUID
    items: list[EventOut]


class StateOut(BaseModel):
    model_config = _example(
        {
            "id": _ID,
            "type": "contact",
            "version": 2,
            "created_on": "2026-02-27T14:00:00Z",
            "modified_on": "2026-03-01T09:30:00Z",
            "state": {"given_name": "Ada", "family_name": "Byron"},
        }
    )

    id: UUID
    type: str
    version: int
    created_on: datetime
    modified_on: datetime
    state: dict[str, Any] = Field(description="the record's fields at that version")

    @classmethod
    def of(cls, record: RecordState) -> StateOut:
        from pydantic_core import to_jsonable_python

        return cls.model_validate(to_jsonable_python(vars(record)))


class LogOut(BaseModel):
    model_config = _example({"items": [_EVENT], "next_after": 42, "head": 57})

    items: list[EventOut]
    next_after: int = Field(description="send as `after` for the next page")
    head: int = Field(description="the log's last position when this was read")


class VerdictOut(BaseModel):
    model_config = _example(
        {
            "intact": True,
            "start": 1,
            "position": 57,
            "hash": "9f2c…",
            "checked": 57,
            "checkpoints_checked": 0,
            "reason": None,
            "message": "intact from position 1 up to position 57, hash 9f2c…",
        }
    )

    intact: bool
    start: int = Field(description="first position checked (a checkpoint + 1)")
    position: int = Field(description="intact: the last checked; else the first bad")
    hash: str = Field(description="hex chain hash at `position` (when intact)")
    checked: int
    checkpoints_checked: int
    reason: str | None
    message: str

    @classmethod
    def of(cls, verdict: Verdict) -> VerdictOut:
        return cls(**vars(verdict), message=verdict.describe())


class CheckpointOut(BaseModel):
    model_config = _example(
        {"position": 1000, "hash": "3b1d…", "kind": "periodic", "recorded_at": None}
    )

    position: int
    hash: str
    kind: str = Field(description="periodic, or legacy (rows before the ledger)")
    recorded_at: str | None

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointOut:
        at = checkpoint.recorded_at
        return cls(
            position=checkpoint.position,
            hash=checkpoint.hash.hex(),
            kind=checkpoint.kind,
            recorded_at=at.isoformat() if isinstance(at, datetime) else at,
        )
