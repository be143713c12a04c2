"""``GET /forecasts/stages``: what the stage history says, as of any moment:
per pipeline and stage the observed win rate and the median days deals
spent in it; per pipeline the median days to close. Managers, analysts,
auditors, admins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ContainerDep
from api.reads import wait_for_position
from api.routes.forecasts import AsOf, ForecastReader, MinPosition
from api.schemas.common import examples
from projections.forecast import Forecast
from projections.forecast_history import stage_rates, stage_times

router = APIRouter(tags=["forecasts"])
WAIT_SECONDS = 5.0


class StageOut(BaseModel):
    pipeline_id: str
    stage: str
    won: int = Field(description="closed deals that were in it, won")
    closed: int = Field(description="closed deals that were in it")
    win_rate_pct: Decimal | None = Field(description="null: none closed yet")
    median_days_in_stage: Decimal | None = Field(
        description="finished stays, summed per deal; null: none yet"
    )


class PipelineTimeOut(BaseModel):
    pipeline_id: str
    median_days_to_close: Decimal = Field(description="opening to won or lost")


class StagesOut(BaseModel):
    model_config = examples(
        {
            "as_of": "2026-10-15T00:00:00Z",
            "stages": [
                {
                    "pipeline_id": "394a45df-9153-5323-8bf5-51df19221dd7",
                    "stage": "proposal",
                    "won": 12,
                    "closed": 30,
                    "win_rate_pct": "40",
                    "median_days_in_stage": "18.5",
                }
            ],
            "pipelines": [
                {
                    "pipeline_id": "394a45df-9153-5323-8bf5-51df19221dd7",
                    "median_days_to_close": "64",
                }
            ],
            "position": 1234,
        }
    )

    as_of: dt.datetime | None
    stages: list[StageOut]
    pipelines: list[PipelineTimeOut]
    position: int


@router.get("/forecasts/stages", response_model=StagesOut, responses={503: {}})
def forecast_stages(
    _: ForecastReader,
    container: ContainerDep,
    as_of: AsOf = None,
    min_position: MinPosition = None,
) -> StagesOut:
    """The observed rates `method=historical` weights with, and how long
    deals stay in each stage and take to close, from the events recorded
    by `as_of` (default now)."""
    wait_for_position(container, Forecast.name, min_position, WAIT_SECONDS)
    store = container.projections.store
    position = store.position(Forecast.name)
    with store.reading() as cursor:
        names = store.names(Forecast)
        rates = {(r.pipeline_id, r.stage): r for r in stage_rates(cursor, names, as_of)}
        times = stage_times(cursor, names, as_of or dt.datetime.now(dt.UTC))
    stages = []
    for key in sorted(rates.keys() | times.in_stage.keys()):
        rate = rates.get(key)
        stages.append(
            StageOut(
                pipeline_id=key[0],
                stage=key[1],
                won=rate.won if rate else 0,
                closed=rate.closed if rate else 0,
                win_rate_pct=rate.rate * 100 if rate else None,
                median_days_in_stage=times.in_stage.get(key),
            )
        )
    return StagesOut(
        as_of=as_of,
        stages=stages,
        position=position,
        pipelines=[
            PipelineTimeOut(pipeline_id=p, median_days_to_close=d)
            for p, d in times.to_close.items()
        ],
    )
