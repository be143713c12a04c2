"""Read-your-writes for projection-backed reads (DESIGN.md, HTTP conventions)."""

from __future__ import annotations

from fastapi import HTTPException

from infra.bootstrap import Container


def wait_for_position(
    container: Container, view: str, wanted: int | None, seconds: float
) -> None:
    """Returns once ``view`` has applied position ``wanted`` (none asked: at
    once); after ``seconds`` answers 503 with ``Retry-After``."""
    if wanted and not container.projections.wait_for(view, wanted, seconds):
        detail = f"the {view} view has not yet applied position {wanted}"
        raise HTTPException(503, detail, {"Retry-After": "1"})
