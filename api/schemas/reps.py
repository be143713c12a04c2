"""Bodies of the ``/reps`` and ``/teams`` resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from commands.normalise import Email, Name, Text

_REP_ID = "0a0a0a0a-0000-4000-8000-000000000001"


class RepIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Ann Smith", "email": "Ann@Example.com", "territory": "emea"}
            ]
        },
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

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"territory": "emea-south"}]},
    )

    name: Name | None = None
    email: Email | None = None
    manager_id: UUID | None = None
    territory: Name | None = None


class DeactivateIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "left the company"}]}
    )

    reason: Text | None = None


class RepOut(BaseModel):
    id: UUID
    name: str
    email: str
    manager_id: UUID | None
    territory: str | None
    team_id: UUID | None
    managed_team_ids: list[UUID]
    active: bool
    created_at: datetime
    modified_at: datetime
    version: int = Field(description="send it back as If-Match to write safely")
    position: int | None = Field(
        default=None, description="log position of the write (on writes only)"
    )

    @classmethod
    def of(cls, rep: Any) -> RepOut:
        return cls(
            id=rep.id,
            name=rep.name,
            email=rep.email,
            manager_id=rep.manager_id,
            territory=rep.territory,
            team_id=rep.team_id,
            managed_team_ids=list(rep.managed_team_ids),
            active=rep.active,
            created_at=rep.created_on,
            modified_at=rep.modified_on,
            version=rep.version,
        )


class TeamIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "EMEA North", "manager_id": _REP_ID}]},
    )

    id: UUID | None = Field(
        default=None, description="choose the id yourself to capture offline"
    )
    name: Name
    manager_id: UUID | None = Field(default=None, description="an active rep")


class TeamPatch(BaseModel):
    """Only the fields sent change; ``manager_id: null`` leaves it unmanaged."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"manager_id": _REP_ID}]},
    )

    name: Name | None = None
    manager_id: UUID | None = None


class MemberIn(BaseModel):
    """The rep joins this team and leaves the one they were in."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"rep_id": _REP_ID}]}
    )

    rep_id: UUID


class TeamOut(BaseModel):
    id: UUID
    name: str
    manager_id: UUID | None
    member_ids: list[UUID]
    created_at: datetime
    modified_at: datetime
    version: int = Field(description="send it back as If-Match to write safely")
    position: int | None = Field(
        default=None, description="log position of the write (on writes only)"
    )

    @classmethod
    def of(cls, team: Any) -> TeamOut:
        return cls(
            id=team.id,
            name=team.name,
            manager_id=team.manager_id,
            member_ids=list(team.member_ids),
            created_at=team.created_on,
            modified_at=team.modified_on,
            version=team.version,
        )
