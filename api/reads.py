"""What projection-backed reads share: read-your-writes (DESIGN.md, HTTP
conventions) and the records merged into a survivor."""

from __future__ import annotations

from uuid import UUID

from fastapi import HTTPException

from commands.base import exists
from infra.bootstrap import Container


def wait_for_position(
    container: Container, view: str, wanted: int | None, seconds: float
) -> None:
    """Returns once ``view`` has applied position ``wanted`` (none asked: at
    once); after ``seconds`` answers 503 with ``Retry-After``."""
    if wanted and not container.projections.wait_for(view, wanted, seconds):
        detail = f"the {view} view has not yet applied position {wanted}"
        raise HTTPException(503, detail, {"Retry-After": "1"})


def absorbed(container: Container, record_id: UUID) -> list[UUID]:
    """The record and every record merged into it (and into those), from the
    event store: what a survivor's timeline and lists show as its own (the
    rows of views keep the ids events named, a duplicate's included)."""
    found, todo = [record_id], [record_id]
    while todo and len(found) < 100:
        record = exists(container.app, todo.pop())
        for merged in getattr(record, "merges", {}):
            if UUID(merged) not in found:
                found.append(UUID(merged))
                todo.append(UUID(merged))
    return found
