"""``GET /projections``: each view's position, the head, lag and last error."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import Reader
from api.deps import ContainerDep

router = APIRouter(tags=["projections"])


class ViewStatusOut(BaseModel):
    name: str
    position: int = Field(description="the last log position the view applied")
    head: int = Field(description="the last log position recorded")
    lag_events: int
    lag_seconds: float = Field(description="how long the view has been behind")
    last_error: str | None = Field(description="the last failed batch, if any")


@router.get("/projections", response_model=list[ViewStatusOut])
def projections(_: Reader, container: ContainerDep) -> list[ViewStatusOut]:
    """The read models and how far behind the log each one is."""
    return [ViewStatusOut(**vars(status)) for status in container.projections.status()]
