"""Bodies of the forecast read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import examples
from domain.periods import Period
from projections.adjustments import Adjusted
from projections.forecast_query import Figures

GroupBy = Literal["rep", "team", "territory", "pipeline"]
Method = Literal["configured", "historical"]


class PeriodOut(BaseModel):
    label: str = Field(description="as asked: YYYY-MM, YYYY-Qn or YYYY")
    kind: Literal["month", "quarter", "year"]
    first: dt.date
    last: dt.date = Field(description="inclusive")
    fiscal_year_start: int = Field(description="month the fiscal year starts in")

    @classmethod
    def of(cls, period: Period) -> PeriodOut:
        return cls(
            label=period.label,
            kind=period.kind,  # type: ignore[arg-type]
            first=period.first,
            last=period.last,
            fiscal_year_start=period.fy_start,
        )


class FiguresOut(BaseModel):
    group: str | None = Field(
        description="rep, team or pipeline id, or territory; null: none"
    )
    currency: str
    open_by_category: dict[str, Decimal] = Field(
        description="open amount per forecast category of the deals' stages"
    )
    open_amount: Decimal
    weighted_amount: Decimal = Field(description="open deals: amount x probability")
    closed_won: Decimal = Field(description="won in the period")
    closed_lost: Decimal = Field(description="lost in the period")
    expected_amount: Decimal = Field(description="closed_won + weighted_amount")
    deal_count: int = Field(description="open and won deals")
    open_count: int
    won_count: int
    lost_count: int
    quota: Decimal | None = Field(
        default=None, description="rep and team: won_amount standards in force"
    )
    attainment_pct: Decimal | None = Field(
        default=None, description="closed_won / quota x 100"
    )

    p10: Decimal | None = Field(default=None, description="range=true: won by")
    p50: Decimal | None = None
    p90: Decimal | None = None
    adjusted_amount: Decimal | None = Field(
        default=None, description="rep and team: a manager's figure (raw kept)"
    )
    adjustment_note: str | None = None
    adjusted_by: str | None = None
    adjusted_at: dt.datetime | None = None

    @classmethod
    def of(
        cls, f: Figures, quota: Decimal | None = None, adjusted: Adjusted | None = None
    ) -> FiguresOut:
        names = set(cls.model_fields) - {"quota", "attainment_pct"} - ADJUSTED
        attainment = f.closed_won * 100 / quota if quota else None
        figures = {name: getattr(f, name) for name in names}
        if adjusted is not None:
            figures |= {
                "adjusted_amount": adjusted.amount,
                "adjustment_note": adjusted.note,
                "adjusted_by": adjusted.actor,
                "adjusted_at": adjusted.recorded_at,
            }
        return cls.model_validate(
            figures | {"quota": quota, "attainment_pct": attainment}
        )


ADJUSTED = {
    "adjusted_amount",
    "adjustment_note",
    "adjusted_by",
    "adjusted_at",
    "p10",
    "p50",
    "p90",
}


EXAMPLE_ROW: dict[str, Any] = {
    "group": "0a0a0a0a-0000-4000-8000-000000000001",
    "currency": "EUR",
    "open_by_category": {"pipeline": "500", "best_case": "0", "commit": "1000"},
    "open_amount": "1500",
    "weighted_amount": "850",
    "closed_won": "0",
    "closed_lost": "0",
    "expected_amount": "850",
    "deal_count": 2,
    "open_count": 2,
    "won_count": 0,
    "lost_count": 0,
    "quota": "2000",
    "attainment_pct": "0",
}


class StageRateOut(BaseModel):
    pipeline_id: str
    stage: str
    won: int = Field(description="closed deals that passed through it, won")
    closed: int = Field(description="closed deals that passed through it")
    rate_pct: Decimal


class ForecastOut(BaseModel):
    """``rows``: one per group and currency with a deal in the period;
    ``totals``: one per currency. Amounts of different currencies are never
    added together."""

    model_config = examples(
        {
            "period": {
                "label": "2026-Q4",
                "kind": "quarter",
                "first": "2026-10-01",
                "last": "2026-12-31",
                "fiscal_year_start": 1,
            },
            "group_by": "rep",
            "as_of": "2026-10-15T00:00:00Z",
            "method": "configured",
            "rows": [EXAMPLE_ROW],
            "totals": [EXAMPLE_ROW | {"group": None}],
            "position": 1234,
        }
    )

    period: PeriodOut
    group_by: GroupBy
    as_of: dt.datetime | None = Field(description="null: now (the view's position)")
    method: Method
    rows: list[FiguresOut]
    totals: list[FiguresOut]
    stage_rates: list[StageRateOut] = Field(
        default_factory=list,
        description="method=historical: the observed rates it weighted with",
    )
    position: int = Field(description="the view's position when it answered")
