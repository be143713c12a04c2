"""The FastAPI app. It gets its container through the lifespan, never builds
one at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import problems
from api.routes import api_router
from infra.bootstrap import Container, bootstrap


def create_app(build: Callable[[], Container] = bootstrap) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = build()
        app.state.container = container
        try:
            yield
        finally:
            container.close()

    app = FastAPI(
        title="sfa",
        summary="Event-sourced sales-force automation",
        version="0.1.0",
        lifespan=lifespan,
    )
    problems.install(app)
    app.include_router(api_router)
    return app
