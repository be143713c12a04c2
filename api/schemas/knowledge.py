"""Bodies of ``/knowledge``: what reps look up about a product."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from commands.knowledge import Body, Kind
from commands.normalise import Name

KIND = Field(description="feature, objection_handling, competitor or note")


class EntryIn(BaseModel):
    model_config = examples(
        {
            "product_id": "3d8b5c8e-6c53-5b4f-a1a6-5f0f3e0d9a21",
            "kind": "competitor",
            "title": "Against the Transit LWB",
            "body": "Longer load floor (4.3 m vs 4.2 m); 2 years more warranty.",
            "competitor": "Ford",
        }
    )

    id: UUID | None = CHOSEN_ID
    product_id: UUID
    kind: Kind = KIND
    title: Name
    body: Body
    competitor: Name | None = Field(default=None, description="for comparisons")


class EntryPatch(BaseModel):
    """Only the fields sent change; ``competitor: null`` clears it."""

    model_config = examples({"body": "Load floor 4.3 m; warranty 5 years."})

    kind: Kind | None = None
    title: Name | None = None
    body: Body | None = None
    competitor: Name | None = None


class EntryOut(RecordOut):
    product_id: UUID
    kind: str
    title: str
    body: str
    competitor: str | None
    owner_id: UUID | None = Field(description="the rep who wrote it")
    status: str = Field(description="current or archived")


class EntryItem(BaseModel):
    """A row of ``GET /knowledge`` (the catalogue view)."""

    id: UUID
    product_id: UUID
    sku: str | None
    product_name: str | None
    kind: str
    title: str
    body: str
    competitor: str | None
    status: str
    owner_id: UUID | None
    author: str = Field(description="who wrote it (the token's name)")
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> EntryItem:
        return cls.model_validate({**row, "id": row["entry_id"]})


class EntryPage(BaseModel):
    items: list[EntryItem]
    next_cursor: str | None = Field(description="send as `cursor`; null: no more")
    position: int = Field(description="the view had applied the log up to here")
