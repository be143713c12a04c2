"""Bodies of ``/training-programmes``, ``/coaching-sessions`` and
``/reps/{id}/development``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from api.schemas.forecasts import PeriodOut
from api.schemas.reports import LineOut
from commands.normalise import Name, Text
from commands.training import Description

_REP = "0a0a0a0a-0000-4000-8000-000000000001"


class ProgrammeIn(BaseModel):
    model_config = examples(
        {"name": "Consultative selling", "description": "Two-day course", "hours": 16}
    )

    id: UUID | None = CHOSEN_ID
    name: Name
    description: Description = ""
    hours: int | None = Field(default=None, ge=1, le=10000)


class CompletionIn(BaseModel):
    model_config = examples({"rep_id": _REP, "completed_on": "2027-03-04", "score": 87})

    rep_id: UUID
    completed_on: date
    score: int | None = Field(default=None, ge=0, le=100)


class ProgrammeOut(RecordOut):
    name: str
    description: str
    hours: int | None
    status: str = Field(description="active or retired")
    completions: dict[UUID, date] = Field(description="rep -> day completed")


class ProgrammeItem(BaseModel):
    id: UUID
    name: str
    hours: int | None
    status: str
    completions: int = Field(description="reps who completed it")
    version: int
    launched_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> ProgrammeItem:
        return cls.model_validate({**row, "id": row["programme_id"]})


class ProgrammePage(BaseModel):
    items: list[ProgrammeItem]
    next_cursor: str | None = Field(description="send as `cursor`; null: no more")
    position: int


class CoachingIn(BaseModel):
    model_config = examples(
        {
            "rep_id": _REP,
            "topic": "Qualifying fleet buyers earlier",
            "held_on": "2027-03-10",
            "notes": "Role-played two discovery calls.",
            "corrective_action_id": "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
        }
    )

    id: UUID | None = CHOSEN_ID
    rep_id: UUID
    manager_id: UUID | None = Field(
        default=None, description="admins only; a manager is the session's manager"
    )
    topic: Name
    held_on: date
    notes: Text | None = None
    corrective_action_id: UUID | None = Field(
        default=None, description="the corrective action it serves (not checked)"
    )


class CorrectiveActionIn(BaseModel):
    model_config = examples(
        {"corrective_action_id": "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"}
    )

    corrective_action_id: UUID | None = Field(description="null unlinks")


class CoachingOut(RecordOut):
    rep_id: UUID
    manager_id: UUID
    topic: str
    held_on: date
    notes: str | None
    corrective_action_id: UUID | None


class TrainingRow(BaseModel):
    programme_id: UUID
    name: str
    hours: int | None
    completed_on: date
    score: int | None


class CoachingRow(BaseModel):
    session_id: UUID
    manager_id: UUID
    topic: str
    held_on: date
    corrective_action_id: UUID | None


class RepControlOut(BaseModel):
    period: PeriodOut
    lines: list[LineOut] = Field(
        description="the rep's control-report lines (scope rep), by metric"
    )
    position: int = Field(description="the control view's position")


class DevelopmentOut(BaseModel):
    rep_id: UUID
    training: list[TrainingRow] = Field(description="completions, newest first")
    coaching: list[CoachingRow] = Field(description="sessions, newest first")
    control: RepControlOut = Field(
        description="the rep's performance against standards, with the trend"
    )
    position: int = Field(description="the view had applied the log up to here")
