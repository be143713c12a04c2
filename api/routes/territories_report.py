"""``GET /reports/territories``: per territory, reps against accounts,
prospects against active customers, open pipeline, activities in a period,
and accounts not contacted in 90 days. Managers, analysts, auditors, admins.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, Field

from api.deps import ContainerDep
from api.reads import wait_for_position
from api.routes.forecasts import FiscalStart, MinPosition, well_formed
from api.routes.standards import ReportReader
from api.schemas.common import examples
from api.schemas.forecasts import PeriodOut
from domain.periods import of_kind, parse
from projections.control import Control
from projections.control_query import window
from projections.territory_coverage import TerritoryCoverage
from projections.territory_coverage_query import COVERAGE_DAYS, Territory, territories

router = APIRouter(prefix="/reports", tags=["reports"])
WAIT_SECONDS = 5.0


class PipelineOut(BaseModel):
    currency: str
    amount: Decimal
    deals: int


class TerritoryOut(BaseModel):
    territory: str | None = Field(description="null: accounts without one")
    reps: int = Field(description="active reps of the territory")
    accounts: int
    prospects: int
    active_customers: int
    former_customers: int
    prospect_ratio: Decimal | None = Field(description="prospects per customer")
    open_pipeline: list[PipelineOut] = Field(description="per currency")
    activities: int = Field(description="completed with its accounts in the period")
    uncovered_accounts: int = Field(
        description=f"no activity completed in the last {COVERAGE_DAYS} days"
    )

    @classmethod
    def of(cls, t: Territory) -> TerritoryOut:
        return cls(
            territory=t.name,
            reps=t.reps,
            accounts=t.accounts,
            prospects=t.prospects,
            active_customers=t.active_customers,
            former_customers=t.former_customers,
            prospect_ratio=t.prospect_ratio,
            open_pipeline=[
                PipelineOut(currency=c, amount=a, deals=n)
                for c, (a, n) in sorted(t.open_pipeline.items())
            ],
            activities=t.activities,
            uncovered_accounts=t.uncovered,
        )


class TerritoriesOut(BaseModel):
    model_config = examples(
        {
            "period": {
                "label": "2026-11",
                "kind": "month",
                "first": "2026-11-01",
                "last": "2026-11-30",
                "fiscal_year_start": 1,
            },
            "territories": [
                {
                    "territory": "west",
                    "reps": 4,
                    "accounts": 120,
                    "prospects": 80,
                    "active_customers": 35,
                    "former_customers": 5,
                    "prospect_ratio": "2.29",
                    "open_pipeline": [
                        {"currency": "EUR", "amount": "410000", "deals": 22}
                    ],
                    "activities": 310,
                    "uncovered_accounts": 17,
                }
            ],
            "position": 1234,
        }
    )

    period: PeriodOut
    territories: list[TerritoryOut]
    position: int


@router.get("/territories", response_model=TerritoriesOut, responses={503: {}})
def territory_report(
    _: ReportReader,
    container: ContainerDep,
    period: Annotated[
        str | None,
        Query(max_length=10, description="default: this month"),
        AfterValidator(lambda p: p if p is None else well_formed(p)),
    ] = None,
    fiscal_year_start: FiscalStart = None,
    min_position: MinPosition = None,
) -> TerritoriesOut:
    """Per territory of accounts and reps: active reps, accounts (prospects,
    active and former customers, prospects per customer), open pipeline per
    currency, activities completed with its accounts in the period, and
    accounts with no activity in the last 90 days (as of now)."""
    now = dt.datetime.now(dt.UTC)
    fy = fiscal_year_start or container.settings.fiscal_year_start
    wanted = (
        of_kind("month", now.date())
        if period is None
        else parse(well_formed(period), fy)
    )
    for view in (TerritoryCoverage.name, Control.name):
        wait_for_position(container, view, min_position, WAIT_SECONDS)
    store = container.projections.store
    position = store.position(TerritoryCoverage.name)
    with store.reading() as cursor:
        found = territories(
            cursor,
            store.names(TerritoryCoverage),
            store.names(Control),
            window=window(wanted),
            until=now,
        )
    return TerritoriesOut(
        period=PeriodOut.of(wanted),
        territories=[TerritoryOut.of(t) for t in found],
        position=position,
    )
