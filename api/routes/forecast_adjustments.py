"""``POST /forecast-adjustments``: a manager's own figure for a rep's or a
team's forecast of a period (per currency), with a note. Adjusting the same
rep or team, period and currency again revises it; the raw forecast is kept
and ``GET /forecasts`` shows both. Managers and admins."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.schemas.common import RecordOut, examples
from api.writes import WRITE_ERRORS, ManagerWriteDep
from commands import forecast_adjustments as cmd
from commands.normalise import Currency, Text

router = APIRouter(tags=["forecasts"])


class AdjustmentIn(BaseModel):
    model_config = examples(
        {
            "scope": "rep",
            "member": "0a0a0a0a-0000-4000-8000-000000000001",
            "period": "2026-Q4",
            "currency": "EUR",
            "amount": "180000",
            "note": "two renewals will slip into January",
        }
    )

    scope: Literal["rep", "team"]
    member: str = Field(max_length=64, description="the rep's or team's id")
    period: str = Field(max_length=10, description="YYYY-MM, YYYY-Qn or YYYY")
    currency: Currency
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=4)
    note: Text


class AdjustmentOut(RecordOut):
    scope: str
    member: str
    period: str
    currency: str
    amount: Decimal
    note: str


@router.post(
    "/forecast-adjustments",
    status_code=201,
    response_model=AdjustmentOut,
    responses=WRITE_ERRORS,
)
def adjust_forecast(body: AdjustmentIn, w: ManagerWriteDep) -> JSONResponse:
    """Record (201) or revise (200) the adjusted figure; rules
    ``scope_rep_unknown``, ``scope_team_unknown``, ``period_format``."""
    command = cmd.AdjustForecast(**body.model_dump())
    return w.run(cmd.adjust_forecast, command, AdjustmentOut.of)
