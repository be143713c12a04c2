"""Bodies of the forecast accuracy read."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from api.schemas.common import examples
from api.schemas.forecasts import GroupBy, PeriodOut
from projections.forecast_accuracy import Accuracy


class PointOut(BaseModel):
    days_before: int
    said: Decimal = Field(description="expected amount (won + weighted open)")
    error: Decimal = Field(description="said - won")
    error_pct: Decimal | None = Field(description="of won; null if nothing won")


class AccuracyOut(BaseModel):
    group: str | None = Field(description="null with total: all groups")
    total: bool
    currency: str
    won: Decimal
    points: list[PointOut]

    @classmethod
    def of(cls, a: Accuracy, offsets: list[int]) -> AccuracyOut:
        return cls(
            group=a.group,
            total=a.total,
            currency=a.currency,
            won=a.won,
            points=[
                PointOut(
                    days_before=d,
                    said=a.said.get(d, Decimal(0)),
                    error=a.error(d),
                    error_pct=a.error_pct(d),
                )
                for d in offsets
            ],
        )


class AccuraciesOut(BaseModel):
    model_config = examples(
        {
            "period": {
                "label": "2026-Q3",
                "kind": "quarter",
                "first": "2026-07-01",
                "last": "2026-09-30",
                "fiscal_year_start": 1,
            },
            "group_by": "rep",
            "rows": [
                {
                    "group": None,
                    "total": True,
                    "currency": "EUR",
                    "won": "500000",
                    "points": [
                        {
                            "days_before": 30,
                            "said": "450000",
                            "error": "-50000",
                            "error_pct": "-10",
                        }
                    ],
                }
            ],
            "position": 1234,
        }
    )

    period: PeriodOut
    group_by: GroupBy
    rows: list[AccuracyOut]
    position: int
