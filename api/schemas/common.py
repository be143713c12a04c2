"""What the bodies of every resource share: how a request body is configured
and documented, and how an answer about one record ends."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

CHOSEN_ID: Any = Field(
    default=None, description="choose the id yourself to capture offline"
)


def examples(*examples: dict[str, Any]) -> ConfigDict:
    """A request body: unknown fields are refused; ``examples`` are shown in
    the OpenAPI document (each must be a valid body: tests check)."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class RecordOut(BaseModel):
    """An answer about one record. ``of`` reads every other field from the
    record's attribute of the same name; a subclass whose fields are not its
    record's attributes overrides ``of`` and calls ``of_record``."""

    id: UUID
    created_at: datetime
    modified_at: datetime
    version: int = Field(description="send it back as If-Match to write safely")
    position: int | None = Field(
        default=None, description="log position of the write (on writes only)"
    )

    @classmethod
    def of(cls, record: Any) -> Self:
        state = {name: getattr(record, name) for name in _state_names(cls)}
        return cls.of_record(record, **state)

    @classmethod
    def of_record(cls, record: Any, **state: Any) -> Self:
        """The answer about ``record``, whose own fields are ``state``."""
        return cls(
            **state,
            id=record.id,
            created_at=record.created_on,
            modified_at=record.modified_on,
            version=record.version,
        )


@cache
def _state_names(cls: type[RecordOut]) -> tuple[str, ...]:
    return tuple(name for name in cls.model_fields if name not in _COMMON)


_COMMON = frozenset(RecordOut.model_fields)
