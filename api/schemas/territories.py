"""Bodies of ``/territories``: territories, their rules, accounts and reps,
realignments and the assignment history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from api.schemas.quotes import Page
from commands.normalise import Name
from commands.territories import Rule
from commands.territory_assignment import Move

EMEA = "6d1f7a52-3c1e-4a8e-9b1f-2f0c1d9e8a01"
RULE = {"name": "de-berlin", "country": "DE", "postcode_prefix": "10"}


class NewTerritoryIn(BaseModel):
    model_config = examples(
        {"name": "DACH", "parent_id": EMEA, "rules": [RULE]}, {"name": "EMEA"}
    )

    id: UUID | None = CHOSEN_ID
    name: Name
    parent_id: UUID | None = Field(default=None, description="null: a root")
    rules: list[Rule] = Field(default_factory=list, max_length=200)


class TerritoryPatch(BaseModel):
    """Only the fields sent change; ``parent_id: null`` makes it a root."""

    model_config = examples({"name": "DACH north"}, {"parent_id": None})

    name: Name | None = None
    parent_id: UUID | None = None


class RulesIn(BaseModel):
    """The territory's rules, all of them (an empty list removes them)."""

    model_config = examples(
        {"rules": [RULE, {"name": "big-industry", "min_employees": 1000}]}
    )

    rules: list[Rule] = Field(max_length=200)


class AccountRefIn(BaseModel):
    model_config = examples({"account_id": "0b0b0b0b-0000-4000-8000-000000000001"})

    account_id: UUID


class TerritoryRepIn(BaseModel):
    model_config = examples(
        {"rep_id": "0a0a0a0a-0000-4000-8000-000000000001", "role": "owner"}
    )

    rep_id: UUID
    role: Literal["owner", "overlay"]


class RepRole(BaseModel):
    rep_id: UUID
    role: str


class TerritoryOut(RecordOut):
    name: str
    parent_id: UUID | None
    rules: list[dict[str, Any]]
    accounts: list[UUID] = Field(description="assigned manually")
    reps: list[RepRole]

    @classmethod
    def of(cls, record: Any) -> Self:
        reps = [RepRole(rep_id=r, role=role) for r, role in record.reps.items()]
        return cls.of_record(
            record,
            name=record.name,
            parent_id=record.parent_id,
            rules=record.rules,
            accounts=record.accounts,
            reps=reps,
        )


class TerritoryItem(BaseModel):
    territory_id: UUID
    name: str
    parent_id: UUID | None
    rules: int
    manual_accounts: int
    owner_rep_id: UUID | None
    overlay_reps: int
    version: int
    created_position: int
    updated_at: datetime


class TerritoryPage(Page):
    items: list[TerritoryItem]


class TerritoryAccount(BaseModel):
    account_id: UUID
    name: str
    industry: str | None
    country: str | None
    region: str | None
    postcode: str | None
    employees: int | None
    territory_id: UUID | None
    territory: str | None
    rule: str | None


class TerritoryAccountPage(Page):
    items: list[TerritoryAccount]


class Period(BaseModel):
    account_id: UUID
    territory_id: UUID | None = Field(description="null: set as free text")
    territory: str | None
    rule: str | None = Field(description="the rule's name, 'manual', or null")
    effective_from: datetime
    effective_to: datetime | None = Field(description="null: still in force")
    from_position: int
    to_position: int | None


class PeriodPage(Page):
    items: list[Period]


class RealignIn(BaseModel):
    """``apply: false`` previews; ``apply: true`` records the moves. Send the
    preview's ``plan`` as ``If-Match`` to apply only what you saw."""

    model_config = examples({"apply": False}, {"apply": True})

    apply: bool = False


class MoveOut(BaseModel):
    account_id: UUID
    account: str
    from_territory_id: UUID | None
    from_territory: str | None
    to_territory_id: UUID | None
    to_territory: str | None
    rule: str | None

    @classmethod
    def of(cls, move: Move) -> MoveOut:
        return cls(**move.__dict__)


class RealignOut(BaseModel):
    plan: str = Field(description="names these moves; also the ETag")
    applied: bool
    moves: list[MoveOut]
    position: int
