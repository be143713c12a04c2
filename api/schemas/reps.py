"""Bodies of the ``/reps`` and ``/teams`` resources."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from commands.normalise import Email, Name, Text

_REP_ID = "0a0a0a0a-0000-4000-8000-000000000001"


class RepIn(BaseModel):
    model_config = examples(
        {"name": "Ann Smith", "email": "Ann@Example.com", "territory": "emea"}
    )

    id: UUID | None = Field(
        default=None, description="choose the id (the rep_id of their token)"
    )
    name: Name
    email: Email
    manager_id: UUID | None = Field(default=None, description="an active rep")
    territory: Name | None = None


class RepPatch(BaseModel):
    """Only the fields sent change; ``null`` clears manager or territory.
    Team membership changes through ``/teams/{id}/members``."""

    model_config = examples({"territory": "emea-south"})

    name: Name | None = None
    email: Email | None = None
    manager_id: UUID | None = None
    territory: Name | None = None


class DeactivateIn(BaseModel):
    model_config = examples({"reason": "left the company"})

    reason: Text | None = None


class RepOut(RecordOut):
    name: str
    email: str
    manager_id: UUID | None
    territory: str | None
    team_id: UUID | None
    managed_team_ids: list[UUID]
    active: bool


class TeamIn(BaseModel):
    model_config = examples({"name": "EMEA North", "manager_id": _REP_ID})

    id: UUID | None = CHOSEN_ID
    name: Name
    manager_id: UUID | None = Field(default=None, description="an active rep")


class TeamPatch(BaseModel):
    """Only the fields sent change; ``manager_id: null`` leaves it unmanaged."""

    model_config = examples({"manager_id": _REP_ID})

    name: Name | None = None
    manager_id: UUID | None = None


class MemberIn(BaseModel):
    """The rep joins this team and leaves the one they were in."""

    model_config = examples({"rep_id": _REP_ID})

    rep_id: UUID


class TeamOut(RecordOut):
    name: str
    manager_id: UUID | None
    member_ids: list[UUID]
