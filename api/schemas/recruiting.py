"""Bodies of ``/hiring-plans``, ``/candidates`` and ``/recruiting/funnel``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from commands.candidates import Item
from commands.hiring import Description, Key, PositionSpec, Source
from commands.normalise import Currency, Email, Money, Name, Text

_POSITION = {
    "key": "ae_north",
    "title": "Account executive, North",
    "territory": "north",
    "job_description": "Sells the van range to fleet buyers in the North.",
    "headcount": 2,
    "qualifications": [
        {"key": "b2b_sales", "name": "B2B sales experience", "min_score": 3},
        {"key": "driving_licence", "name": "Driving licence", "min_score": 5},
    ],
}


class PlanIn(BaseModel):
    model_config = examples(
        {"name": "2027 H1 hiring", "currency": "EUR", "positions": [_POSITION]}
    )

    id: UUID | None = CHOSEN_ID
    name: Name
    currency: Currency
    positions: list[PositionSpec] = Field(min_length=1)


class PositionIn(PositionSpec):
    model_config = examples(_POSITION)


class SpendIn(BaseModel):
    model_config = examples(
        {"source": "job_board", "amount": "450.00", "currency": "EUR"}
    )

    source: Source
    amount: Money
    currency: Currency


class PlanOut(RecordOut):
    name: str
    currency: str
    status: str = Field(description="open or closed")
    positions: list[dict[str, Any]]
    spend: dict[str, Decimal] = Field(description="source -> total spent")

    @classmethod
    def of(cls, record: Any) -> PlanOut:
        return cls.of_record(
            record,
            name=record.name,
            currency=record.currency,
            status=record.status,
            positions=list(record.positions.values()),
            spend=record.spend,
        )


class CandidateIn(BaseModel):
    model_config = examples(
        {
            "plan_id": "5b0d4a4e-2f4e-4c53-9d0a-3b1f8c2e7a10",
            "position_key": "ae_north",
            "name": "Kim Lee",
            "email": "kim@example.com",
            "source": "referral",
            "cost": "200.00",
        }
    )

    id: UUID | None = CHOSEN_ID
    plan_id: UUID
    position_key: Key
    name: Name
    email: Email | None = None
    source: Source
    cost: Money = Field(default=Decimal(0), description="sourcing cost, plan currency")
    stage: Key | None = Field(default=None, description="default: the first stage")


class CandidateStageIn(BaseModel):
    model_config = examples({"stage": "selection"})

    stage: Key


class AssessmentIn(BaseModel):
    model_config = examples(
        {"qualification": "b2b_sales", "score": 4, "note": "Five years of fleet sales"}
    )

    qualification: Key
    score: int = Field(ge=1, le=5)
    note: Text | None = None


class OfferIn(BaseModel):
    model_config = examples(
        {"terms": "EUR 48k base + commission", "start_date": "2027-02-01"}
    )

    terms: Description
    start_date: date | None = None


class CandidateReasonIn(BaseModel):
    model_config = examples({"reason": "took another offer"})

    reason: Text | None = None


class AssimilationIn(BaseModel):
    """Only the fields sent change; ``checklist`` items are added and
    ``completed`` ones ticked off (added first if new)."""

    model_config = examples(
        {
            "start_date": "2027-02-01",
            "mentor_id": "0a0a0a0a-0000-4000-8000-000000000001",
            "checklist": ["laptop", "CRM login", "product training"],
            "completed": ["laptop"],
        }
    )

    start_date: date | None = None
    mentor_id: UUID | None = Field(default=None, description="an active rep")
    checklist: list[Item] = []
    completed: list[Item] = []


class CandidateOut(RecordOut):
    plan_id: UUID
    position_key: str
    name: str
    email: str | None
    source: str
    cost: Decimal
    stage: str
    status: str = Field(description="applied, offered, hired, declined, rejected")
    qualifications: dict[str, int] = Field(description="key -> minimum score")
    scores: dict[str, int]
    start_date: date | None
    mentor_id: UUID | None
    checklist: dict[str, bool] = Field(description="item -> done")
    forgotten: bool = Field(description="personal data erased")


class CandidateItem(BaseModel):
    """A row of ``GET /candidates`` (the recruiting view; no personal data)."""

    id: UUID
    plan_id: UUID
    position_key: str
    source: str
    cost: Decimal
    currency: str
    stage: str
    status: str
    version: int
    applied_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> CandidateItem:
        return cls.model_validate({**row, "id": row["candidate_id"]})


class CandidatePage(BaseModel):
    items: list[CandidateItem]
    next_cursor: str | None = Field(description="send as `cursor`; null: no more")
    position: int = Field(description="the view had applied the log up to here")


class SourceFunnelOut(BaseModel):
    source: str
    currency: str
    candidates: int
    stages: dict[str, int] = Field(description="stage -> candidates who reached it")
    offers: int
    hires: int
    declined: int
    rejected: int
    cost: Decimal = Field(description="candidates' costs + spend on the source")
    cost_per_hire: Decimal | None
    yield_percent: Decimal = Field(description="hires / candidates x 100")


class FunnelOut(BaseModel):
    sources: list[SourceFunnelOut]
    position: int
