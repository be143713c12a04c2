"""``GET /forecasts/flow``: how a period's deals moved between two moments
(new, pulled in, pushed out, won, lost, amount changed), from the events
recorded by each: no snapshots needed. Managers, analysts, auditors, admins.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, Field

from api.deps import ContainerDep
from api.reads import wait_for_position
from api.routes.forecasts import (
    FiscalStart,
    ForecastReader,
    MinPosition,
    PeriodText,
    in_utc,
)
from api.schemas.common import examples
from api.schemas.forecasts import PeriodOut
from domain.periods import parse
from projections.forecast import Forecast
from projections.forecast_flow import flow

router = APIRouter(tags=["forecasts"])
WAIT_SECONDS = 5.0
From = Annotated[
    dt.datetime,
    Query(
        alias="from", examples=["2026-10-01T00:00:00Z"], description="UTC if no zone"
    ),
    AfterValidator(in_utc),
]
To = Annotated[
    dt.datetime,
    Query(alias="to", examples=["2026-11-30T00:00:00Z"], description="UTC if no zone"),
    AfterValidator(in_utc),
]


class FlowOut(BaseModel):
    kind: str = Field(
        description="new, pulled_in, pushed_out, won, lost, amount_changed,"
        " unchanged, dropped"
    )
    currency: str
    deals: int
    amount: Decimal = Field(description="at `to` (at `from` if it left)")
    change: Decimal = Field(description="amount_changed: the sum of the changes")


class FlowsOut(BaseModel):
    model_config = examples(
        {
            "period": {
                "label": "2026-Q4",
                "kind": "quarter",
                "first": "2026-10-01",
                "last": "2026-12-31",
                "fiscal_year_start": 1,
            },
            "from": "2026-10-01T00:00:00Z",
            "to": "2026-11-30T00:00:00Z",
            "flows": [
                {
                    "kind": "pushed_out",
                    "currency": "EUR",
                    "deals": 3,
                    "amount": "42000",
                    "change": "0",
                }
            ],
            "position": 1234,
        }
    )

    period: PeriodOut
    from_: dt.datetime = Field(alias="from")
    to: dt.datetime
    flows: list[FlowOut]
    position: int


@router.get(
    "/forecasts/flow",
    response_model=FlowsOut,
    response_model_by_alias=True,
    responses={503: {}},
)
def deal_flow(
    _: ForecastReader,
    container: ContainerDep,
    period: PeriodText,
    start: From,
    end: To,
    fiscal_year_start: FiscalStart = None,
    min_position: MinPosition = None,
) -> FlowsOut:
    """Each deal in the period at either moment, by what happened to it
    between them, counted and summed per currency."""
    wanted = parse(period, fiscal_year_start or container.settings.fiscal_year_start)
    wait_for_position(container, Forecast.name, min_position, WAIT_SECONDS)
    store = container.projections.store
    position = store.position(Forecast.name)
    with store.reading() as cursor:
        found = flow(cursor, store.names(Forecast), period=wanted, start=start, end=end)
    return FlowsOut.model_validate(
        {
            "period": PeriodOut.of(wanted),
            "from": start,
            "to": end,
            "flows": [FlowOut(**vars(f)) for f in found],
            "position": position,
        }
    )
