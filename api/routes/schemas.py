"""``GET /schemas`` and ``GET /schemas/{type}``: the published event types
and the JSON Schema of each one's CloudEvent ``data`` (infra/kafka/schemas.py,
the same definition that generates docs/events.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import Reader
from infra.kafka.schemas import catalogue

router = APIRouter(tags=["schemas"])
SCHEMA_JSON = "application/schema+json"


class EventTypeOut(BaseModel):
    type: str
    aggregate: str
    event: str
    version: int
    topic_suffix: str
    schema_url: str

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "type": "sfa.contact.registered.v1",
                    "aggregate": "contact",
                    "event": "Registered",
                    "version": 1,
                    "topic_suffix": "contact",
                    "schema_url": "/schemas/sfa.contact.registered.v1",
                }
            ]
        }
    }


class EventTypesOut(BaseModel):
    types: list[EventTypeOut]


TypeName = Annotated[
    str,
    Path(
        max_length=200,
        description="a public event type",
        examples=["sfa.contact.registered.v1"],
    ),
]


@router.get("/schemas", response_model=EventTypesOut)
async def list_schemas(caller: Reader) -> EventTypesOut:
    """Every event type published on Kafka, sorted by name; topics are
    ``<prefix>.<topic_suffix>``."""
    return EventTypesOut(
        types=[
            EventTypeOut(
                type=s.type_name,
                aggregate=s.aggregate,
                event=s.name,
                version=s.version,
                topic_suffix=s.aggregate,
                schema_url=f"/schemas/{s.type_name}",
            )
            for s in catalogue().values()
        ]
    )


SCHEMA_EXAMPLE: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "/schemas/sfa.contact.title_changed.v1",
    "title": "sfa.contact.title_changed.v1",
    "type": "object",
    "properties": {
        "old": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "new": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "required": ["old", "new"],
}


@router.get(
    "/schemas/{type_name}",
    responses={
        200: {"content": {SCHEMA_JSON: {"example": SCHEMA_EXAMPLE}}},
        404: {},
    },
)
async def get_schema(type_name: TypeName, caller: Reader) -> JSONResponse:
    """The JSON Schema (2020-12) of one event type's ``data``."""
    found = catalogue().get(type_name)
    if found is None:
        raise HTTPException(404, f"no event type {type_name!r}; see GET /schemas")
    return JSONResponse(found.json_schema(), media_type=SCHEMA_JSON)
