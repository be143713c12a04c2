"""Bodies of the dedup reads and of merge, unmerge and not-a-duplicate."""

from __future__ import annotations

import json
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import examples
from commands.normalise import Text

Side = Literal["survivor", "duplicate"]


class FieldMatch(BaseModel):
    how: str = Field(description="exact, jaro_winkler, nickname, token_set_ratio…")
    similarity: float = Field(description="0 (nothing alike) to 1 (the same)")
    weight: float = Field(description="log-odds the field added to the score")
    value: str | None = Field(default=None, description="the shared value, if any")


class DuplicateOut(BaseModel):
    id: UUID = Field(description="the likely duplicate")
    type: Literal["contact", "account"]
    score: float = Field(description="0..1: how likely the two are one")
    explanation: dict[str, FieldMatch] = Field(description="field -> how it matched")

    @classmethod
    def of(cls, id: Any, type: str, score: Any, explanation: Any) -> DuplicateOut:
        why = json.loads(explanation) if isinstance(explanation, str) else explanation
        return cls(id=id, type=type, score=float(score), explanation=why)  # type: ignore[arg-type]


class PairOut(DuplicateOut):
    record_id: UUID = Field(description="the other record of the pair")


class DuplicatesOut(BaseModel):
    record_id: UUID
    items: list[DuplicateOut]
    position: int = Field(description="the view had applied the log up to here")


class PairsOut(BaseModel):
    items: list[PairOut]
    next_offset: int | None = Field(
        description="send as `offset` for more; null: no more"
    )
    position: int = Field(description="the view had applied the log up to here")


class MergeIn(BaseModel):
    model_config = examples(
        {
            "duplicate_id": "0b0b0b0b-0000-4000-8000-000000000002",
            "choose": {"title": "duplicate", "given_name": "survivor"},
        }
    )

    duplicate_id: UUID = Field(description="the record that becomes an alias")
    choose: dict[str, Side] = Field(
        default_factory=dict,
        description="field -> whose value the survivor keeps; unchosen fields"
        " take the most recent non-empty value (emails and phones: both)",
    )


class UnmergeIn(BaseModel):
    model_config = examples({"duplicate_id": "0b0b0b0b-0000-4000-8000-000000000002"})

    duplicate_id: UUID = Field(description="the record merged into this one")


class NotDuplicateIn(BaseModel):
    model_config = examples(
        {"other_id": "0b0b0b0b-0000-4000-8000-000000000002", "reason": "twins"}
    )

    other_id: UUID = Field(description="the record that is someone else")
    reason: Text | None = None
