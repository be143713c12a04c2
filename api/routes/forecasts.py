"""``GET /forecasts``: the forecast of a period, grouped, as of any moment.

Answered from the forecast view's intervals: ``as_of`` gives exactly what
the events recorded up to that moment said (no snapshots); omitted, the
current state. ``min_position`` waits for the view: read-your-writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator

from api.auth import allowed
from api.deps import ContainerDep
from api.reads import wait_for_position
from api.schemas.forecasts import (
    FiguresOut,
    ForecastOut,
    GroupBy,
    Method,
    PeriodOut,
    StageRateOut,
)
from commands.base import Caller
from domain.periods import Period, parse
from projections.adjustments import Adjustments, adjusted
from projections.agenda import utc
from projections.control import Control
from projections.forecast import Forecast
from projections.forecast_history import as_rates, stage_rates
from projections.forecast_query import Rates, forecast, totals
from projections.forecast_range import spreads
from projections.quota import ALL, quotas

router = APIRouter(tags=["forecasts"])
VIEW = Forecast.name
WAIT_SECONDS = 5.0
FORECAST_READERS = frozenset({"manager", "analyst", "auditor", "admin"})
ForecastReader = Annotated[Caller, allowed(FORECAST_READERS)]


def well_formed(text: str) -> str:
    parse(text)  # BadPeriod is a ValueError: a 422 naming the parameter
    return text


def in_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A moment without a zone is UTC."""
    if moment is None or moment.tzinfo is not None:
        return utc(moment)  # type: ignore[no-any-return]
    return moment.replace(tzinfo=dt.UTC)


PeriodText = Annotated[
    str,
    Query(max_length=10, examples=["2026-Q4"], description="YYYY-MM, YYYY-Qn, YYYY"),
    AfterValidator(well_formed),
]
AsOf = Annotated[
    dt.datetime | None,
    Query(examples=["2026-10-15T00:00:00Z"], description="default: now (UTC)"),
    AfterValidator(in_utc),
]
FiscalStart = Annotated[
    int | None,
    Query(ge=1, le=12, description="month the fiscal year starts (default: set)"),
]
MinPosition = Annotated[int | None, Query(ge=0, description="wait for this")]


@dataclass(frozen=True)
class Asked:
    period: Period
    group_by: str
    as_of: dt.datetime | None
    rates: Rates

    def kw(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class ForecastQuery:
    period: PeriodText
    group_by: Annotated[GroupBy, Query()] = "rep"
    as_of: AsOf = None
    method: Annotated[Method, Query()] = "configured"
    fiscal_year_start: FiscalStart = None
    min_position: MinPosition = None
    range: Annotated[bool, Query(description="P10/P50/P90 by simulation")] = False
    seed: Annotated[int, Query(ge=0, le=2**31)] = 1


@router.get("/forecasts", response_model=ForecastOut, responses={503: {}})
def get_forecast(
    _: ForecastReader,
    container: ContainerDep,
    query: Annotated[ForecastQuery, Depends()],
) -> ForecastOut:
    """Per group (rep, team, territory of the account, pipeline) and
    currency: open amount per forecast category, weighted amount, won, lost,
    counts, quota and attainment, adjusted figures; `method=historical`
    weights with observed stage rates; `range=true` adds P10/P50/P90 (README,
    Forecasts). Managers, analysts, auditors and admins."""
    period = parse(
        query.period, query.fiscal_year_start or container.settings.fiscal_year_start
    )
    for view in (VIEW, Control.name, Adjustments.name):  # quotas, adjustments
        wait_for_position(container, view, query.min_position, WAIT_SECONDS)
    store = container.projections.store
    position = store.position(VIEW)  # the rows are at least as recent
    with store.reading() as cursor:
        names = store.names(Forecast)
        observed = []
        if query.method == "historical":
            observed = stage_rates(cursor, names, query.as_of)
        asked = Asked(period, query.group_by, query.as_of, as_rates(observed))
        rows = forecast(cursor, names, **asked.kw())
        quota = quotas(cursor, store.names(Control), period, query.group_by)
        said = adjusted(
            cursor, store.names(Adjustments), query.group_by, period.label, query.as_of
        )
        spread = {}
        if query.range:
            spread = spreads(cursor, names, **asked.kw(), seed=query.seed, rows=rows)
    return ForecastOut(
        period=PeriodOut.of(period),
        group_by=query.group_by,
        as_of=query.as_of,
        method=query.method,
        rows=[
            FiguresOut.of(
                f,
                quota.get((f.group, f.currency)),
                said.get((f.group or "", f.currency)),
            ).model_copy(update=spread.get((f.group, f.currency), {}))
            for f in rows
        ],
        totals=[FiguresOut.of(f, quota.get((ALL, f.currency))) for f in totals(rows)],
        position=position,
        stage_rates=[StageRateOut(**vars(r), rate_pct=r.rate * 100) for r in observed],
    )
