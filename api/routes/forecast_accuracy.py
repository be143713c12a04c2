"""``GET /forecasts/accuracy``: for a closed period, what the forecast said
at chosen points before its end against what was won, per group and in
total. Managers, analysts, auditors, admins."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator

from api.deps import ContainerDep
from api.reads import wait_for_position
from api.routes.forecasts import FiscalStart, ForecastReader, MinPosition, PeriodText
from api.schemas.forecast_accuracy import AccuraciesOut, AccuracyOut
from api.schemas.forecasts import GroupBy, PeriodOut
from domain.periods import parse
from projections.forecast import Forecast
from projections.forecast_accuracy import accuracy, end_of

router = APIRouter(tags=["forecasts"])
WAIT_SECONDS = 5.0


def day_counts(text: str) -> list[int]:
    """``90,60,30,7``: up to 12 offsets of 1 to 3650 days."""
    try:
        days = sorted({int(part) for part in text.split(",")}, reverse=True)
    except ValueError:
        raise ValueError("offsets are whole days, e.g. 90,60,30,7") from None
    if not days or len(days) > 12 or not all(1 <= d <= 3650 for d in days):
        raise ValueError("1 to 12 offsets, each 1 to 3650 days")
    return days


@router.get("/forecasts/accuracy", response_model=AccuraciesOut, responses={503: {}})
def forecast_accuracy(
    _: ForecastReader,
    container: ContainerDep,
    period: PeriodText,
    group_by: Annotated[GroupBy, Query()] = "rep",
    offsets: Annotated[
        str,
        Query(max_length=80, description="days before the end"),
        AfterValidator(lambda text: day_counts(text) and text),
    ] = "90,60,30,7",
    fiscal_year_start: FiscalStart = None,
    min_position: MinPosition = None,
) -> AccuraciesOut:
    """Per group and currency, then in total: what was won in the period,
    and at each offset what the forecast said then (as recorded by then)
    and its error. The period must have ended."""
    wanted = parse(period, fiscal_year_start or container.settings.fiscal_year_start)
    if end_of(wanted) > dt.datetime.now(dt.UTC):
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", "period"),
                    "input": period,
                    "msg": f"{period} has not ended yet",
                }
            ]
        )
    days = day_counts(offsets)
    wait_for_position(container, Forecast.name, min_position, WAIT_SECONDS)
    store = container.projections.store
    position = store.position(Forecast.name)
    with store.reading() as cursor:
        found = accuracy(
            cursor,
            store.names(Forecast),
            period=wanted,
            group_by=group_by,
            offsets=days,
        )
    return AccuraciesOut(
        period=PeriodOut.of(wanted),
        group_by=group_by,
        rows=[AccuracyOut.of(a, days) for a in found],
        position=position,
    )
