"""``GET /health``: which store, whether it answers, and the log's head."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from api.deps import ContainerDep

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    store: Literal["postgres", "sqlite"]
    reachable: bool
    head_position: int | None
    error: str | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "status": "ok",
                    "store": "sqlite",
                    "reachable": True,
                    "head_position": 42,
                }
            ]
        }
    }


@router.get("/livez")
def livez() -> dict[str, str]:
    """Liveness: the process answers HTTP (asks nothing of the store)."""
    return {"status": "alive"}


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The store is unreachable"}},
)
def health(container: ContainerDep, response: Response) -> HealthOut:
    """Public (no token): for load balancers and `make run` users."""
    probe = container.store_health()
    if not probe.reachable:
        response.status_code = 503
    return HealthOut(
        status="ok" if probe.reachable else "unavailable",
        store=probe.store,
        reachable=probe.reachable,
        head_position=probe.head_position,
        error=probe.error,
    )
