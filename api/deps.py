"""Typed dependencies: the container built at start, handed to each route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from infra.bootstrap import Container


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def get_container(request: Request) -> Container:
    """``async``: FastAPI runs plain ``def`` dependencies in its thread pool,
    and a hand-off costs far more than this attribute read."""
    return container_of(request)


ContainerDep = Annotated[Container, Depends(get_container)]
