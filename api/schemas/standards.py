"""Bodies of the standards routes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Self

from pydantic import BaseModel, Field

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from commands.normalise import Currency, Name
from commands.standards import ActivityKind, Metric, PeriodKind, Scope
from domain.standard import Standard

Target = Decimal


class StandardIn(BaseModel):
    """A target **per rep**: ``scope`` says which reps it applies to (the
    rep or team named by id in ``subject``, the territory named there, or
    everyone); for each rep the most specific standard of a metric applies."""

    model_config = examples(
        {
            "metric": "activities_completed",
            "activity_kind": "call",
            "target": "60",
            "scope": "team",
            "subject": "0a0a0a0a-0000-4000-8000-0000000000aa",
            "period_kind": "month",
            "effective_from": "2026-11-01",
        },
        {
            "metric": "won_amount",
            "currency": "EUR",
            "target": "250000",
            "scope": "territory",
            "subject": "west",
            "period_kind": "quarter",
            "effective_from": "2026-10-01",
        },
    )

    id: Any = CHOSEN_ID
    metric: Metric
    activity_kind: ActivityKind | None = Field(
        default=None, description="activities_completed, avg_minutes_per_activity"
    )
    currency: Currency | None = Field(
        default=None, description="won_amount and pipeline_created: required"
    )
    target: Target = Field(ge=0, max_digits=18, decimal_places=4)
    scope: Scope
    subject: Name | None = Field(default=None, description="none for everyone")
    period_kind: PeriodKind
    effective_from: dt.date


class RevisionIn(BaseModel):
    """A new target from ``effective_from`` (not before the latest revision's
    date; the same date corrects it); ``target: null`` retires the standard."""

    model_config = examples({"target": "70", "effective_from": "2027-01-01"})

    target: Target | None = Field(ge=0, max_digits=18, decimal_places=4)
    effective_from: dt.date


class RevisionOut(BaseModel):
    effective_from: dt.date
    target: Decimal | None = Field(description="null: retired from this date")


class StandardOut(RecordOut):
    metric: str
    activity_kind: str | None
    currency: str | None
    scope: str
    subject: str | None
    period_kind: str
    target: Decimal | None = Field(description="the latest revision's target")
    revisions: list[RevisionOut]

    @classmethod
    def of(cls, record: Any) -> Self:
        standard: Standard = record
        names = ("metric", "activity_kind", "currency", "scope", "subject")
        state = {name: getattr(standard, name) for name in names}
        return cls.of_record(
            standard,
            **state,
            period_kind=standard.period_kind,
            target=standard.target,
            revisions=[
                RevisionOut(effective_from=day, target=target)
                for day, target in standard.revisions
            ],
        )
