"""Bodies of the ``/pipelines`` resource."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field, JsonValue

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from commands.normalise import Name
from commands.pipelines import ForecastCategory, Probability, StageKey

_STAGE_EXAMPLE: dict[str, JsonValue] = {
    "key": "discovery",
    "name": "Discovery",
    "probability": 15,
    "forecast_category": "pipeline",
}


class StageIn(BaseModel):
    model_config = examples(_STAGE_EXAMPLE)

    key: StageKey = Field(description="stable snake_case key; never changes")
    name: Name
    probability: Probability
    forecast_category: ForecastCategory


class PipelineIn(BaseModel):
    model_config = examples(
        {
            "name": "Renewals",
            "stages": [
                _STAGE_EXAMPLE,
                {
                    "key": "quote_sent",
                    "name": "Quote sent",
                    "probability": 60,
                    "forecast_category": "best_case",
                },
            ],
        }
    )

    id: UUID | None = CHOSEN_ID
    name: Name
    stages: list[StageIn] = Field(min_length=1, description="in pipeline order")


class PipelinePatch(BaseModel):
    model_config = examples({"name": "New business"})

    name: Name


class StageAddIn(StageIn):
    model_config = examples({**_STAGE_EXAMPLE, "position": 1})

    position: int | None = Field(
        default=None, ge=0, description="0 = first; leave out to append"
    )


class StagePatch(BaseModel):
    """Only the fields sent change."""

    model_config = examples({"probability": 30, "name": "Qualified"})

    name: Name | None = None
    probability: Probability | None = None
    forecast_category: ForecastCategory | None = None


class StageOrderIn(BaseModel):
    model_config = examples(
        {"keys": ["qualification", "prospecting", "proposal", "negotiation"]}
    )

    keys: list[StageKey] = Field(
        min_length=1, description="every stage key exactly once, in the new order"
    )


class StageOut(BaseModel):
    key: str
    name: str
    probability: int
    forecast_category: str


class PipelineOut(RecordOut):
    name: str
    stages: list[StageOut]

    @classmethod
    def of(cls, pipeline: Any) -> PipelineOut:
        stages = [
            StageOut(
                key=s.key,
                name=s.name,
                probability=s.probability,
                forecast_category=s.forecast_category,
            )
            for s in pipeline.stages
        ]
        return cls.of_record(pipeline, name=pipeline.name, stages=stages)
