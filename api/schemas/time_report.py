"""Bodies of the time-management report."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import examples
from api.schemas.forecasts import PeriodOut
from projections.time_query import TimeRow

TimeGroup = Literal["rep", "kind", "purpose"]


class TimeRowOut(BaseModel):
    group: str | None = Field(description="rep id, kind or purpose; null: total")
    name: str | None = Field(description="the rep's name (group_by=rep)")
    activities: int = Field(description="completed in the period")
    planned_activities: int = Field(description="of them, planned beforehand")
    logged_activities: int = Field(description="of them, logged after the fact")
    minutes: int
    avg_minutes: Decimal | None
    selling_minutes: int = Field(description="every kind but task")
    internal_minutes: int = Field(description="tasks")
    selling_share_pct: Decimal | None

    @classmethod
    def of(cls, row: TimeRow, name: str | None = None) -> TimeRowOut:
        return cls(
            group=row.group,
            name=name,
            activities=row.activities,
            planned_activities=row.planned,
            logged_activities=row.activities - row.planned,
            minutes=row.minutes,
            avg_minutes=row.avg_minutes,
            selling_minutes=row.selling_minutes,
            internal_minutes=row.internal_minutes,
            selling_share_pct=row.selling_share_pct,
        )


_ROW = {
    "group": "call",
    "name": None,
    "activities": 120,
    "planned_activities": 90,
    "logged_activities": 30,
    "minutes": 1800,
    "avg_minutes": "15",
    "selling_minutes": 1800,
    "internal_minutes": 0,
    "selling_share_pct": "100",
}


class TimeReportOut(BaseModel):
    model_config = examples(
        {
            "period": {
                "label": "2026-11",
                "kind": "month",
                "first": "2026-11-01",
                "last": "2026-11-30",
                "fiscal_year_start": 1,
            },
            "group_by": "kind",
            "rows": [_ROW],
            "total": _ROW | {"group": None},
            "position": 1234,
        }
    )

    period: PeriodOut
    group_by: TimeGroup
    rows: list[TimeRowOut]
    total: TimeRowOut
    position: int
