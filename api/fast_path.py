"""A shorter way through FastAPI for plain routes, with the same answers.

A plain route is a ``def`` endpoint that returns a ``Response``, takes path
parameters, at most one JSON body and ``async`` dependencies of the request
alone (``write``, ``get_container``, ``allowed``). For those, FastAPI's
handler spends more of the event loop than the checks themselves (dependency
solving, content-type parsing, telemetry hooks); ``plain_handler`` does the
same steps in the same order: the JSON body read and decoded, the
dependencies (401, 403, 422 header, 400 If-Match), then the path parameters
and the body validated with FastAPI's own functions. Anything else (a body
that is not ``application/json``, invalid JSON, a validation error,
telemetry switched on) is handed to FastAPI's handler, which answers it as
it always did: nothing has run but the dependencies, which write nothing.
(A route with a ``dependency_overrides_provider`` is not plain: ours have
none, so FastAPI applies no overrides to them either.)

``RouteIndex`` finds a request's route among those whose path can match
its first segment, in the list's order, instead of trying every route
before it (a write under ``/activities`` tried ~50).
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import HTTPException
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import (
    get_typed_return_annotation,
    request_body_to_args,
    request_params_to_args,
)
from fastapi.params import Form
from fastapi.routing import APIRoute, APIRouter, request_response
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from api.workers import WORKERS

Handler = Callable[[Request], Awaitable[Response]]
TELEMETRY = "fastapi.telemetry"  # in the scope while FastAPI's telemetry is on
FASTAPI_SCOPE = "fastapi"  # what an included router adds to a match


def _request_only(dependency: Dependant) -> bool:
    """An ``async def`` dependency of the request alone."""
    call = dependency.call
    return (
        inspect.iscoroutinefunction(call)
        and dependency.request_param_name is not None
        and not dependency.dependencies
        and not (
            dependency.path_params
            or dependency.query_params
            or dependency.header_params
            or dependency.cookie_params
            or dependency.body_params
        )
        and dependency.concurrency is None
    )


def _returns_response(endpoint: Callable[..., Any]) -> bool:
    returned = get_typed_return_annotation(endpoint)
    kinds = typing.get_args(returned) or (returned,)
    return all(isinstance(k, type) and issubclass(k, Response) for k in kinds)


def is_plain(route: APIRoute) -> bool:
    dependant = route.dependant
    call = dependant.call
    return (
        call is not None
        and not inspect.iscoroutinefunction(call)
        and not inspect.isgeneratorfunction(call)
        and _returns_response(call)
        and not (
            dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or dependant.request_param_name
            or dependant.http_connection_param_name
            or dependant.background_tasks_param_name
            or dependant.response_param_name
            or dependant.security_scopes_param_name
        )
        and len(dependant.body_params) <= 1
        and route.max_body_size is None
        and route.dependency_overrides_provider is None
        and not (route.body_field and isinstance(route.body_field.field_info, Form))
        and all(_request_only(d) for d in dependant.dependencies)
    )


def plain_handler(route: APIRoute) -> Handler:
    """``route``'s handler: the plain way when it applies, else FastAPI's."""
    standard = route.get_route_handler()
    dependant = route.dependant
    endpoint = dependant.call
    assert endpoint is not None
    dependencies = [
        (d.name, d.call, d.request_param_name) for d in dependant.dependencies
    ]
    body_params = dependant.body_params
    embed = route._embed_body_fields

    async def handle(request: Request) -> Response:
        scope = request.scope
        if scope.get(TELEMETRY) is not None or MAX_BODY_SIZE_SCOPE_KEY in scope:
            return await standard(request)
        body: Any = None
        if body_params:
            try:
                raw = await request.body()
            except HTTPException:
                raise
            except Exception as e:  # as FastAPI's handler answers it
                raise HTTPException(400, "There was an error parsing the body") from e
            if not raw or request.headers.get("content-type") != "application/json":
                return await standard(request)
            try:
                body = json.loads(raw)
            except Exception:  # not JSON (or nested too deep): FastAPI answers
                return await standard(request)
        values: dict[str, Any] = {}
        for name, call, request_name in dependencies:
            assert call is not None and request_name is not None
            solved = await call(**{request_name: request})
            if name is not None:
                values[name] = solved
        path_values, errors = request_params_to_args(
            dependant.path_params, request.path_params
        )
        if body_params:
            body_values, body_errors = await request_body_to_args(
                body_params, body, embed
            )
            errors += body_errors
            values.update(body_values)
        if errors:
            return await standard(request)
        values.update(path_values)
        response: Response = await WORKERS.run(endpoint, **values)
        return response

    return handle


def take_plain_way(routes: Iterable[BaseRoute]) -> None:
    """Gives every plain route ``plain_handler``."""
    for route in routes:
        if isinstance(route, APIRoute) and is_plain(route):
            route.app = request_response(plain_handler(route))


class RouteIndex:
    """The router's own matching, over the routes that can match the path's
    first segment: those whose path starts with that literal segment, and
    those whose first segment is a parameter (or that are not plain routes),
    in the router's order. The first full match among them is the router's
    first full match; anything else (no full match, telemetry on, a root
    path) goes to the router as before, which tries every route. The index
    is made again when routes are added or removed."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self.everything = router.middleware_stack
        self.count = -1
        self.by_segment: dict[str, list[BaseRoute]] = {}
        self.elsewhere: list[BaseRoute] = []

    def _build(self) -> None:
        routes = self.router.routes
        keyed = [(route, _first_segment(route)) for route in routes]
        self.elsewhere = [route for route, key in keyed if key is None]
        self.by_segment = {
            segment: [route for route, key in keyed if key in (segment, None)]
            for _, segment in keyed
            if segment is not None
        }
        self.count = len(routes)

    def candidates(self, path: str) -> list[BaseRoute]:
        if len(self.router.routes) != self.count:
            self._build()
        return self.by_segment.get(path.split("/", 2)[1], self.elsewhere)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].startswith("/")
            and not scope.get("root_path")
            and scope.get(TELEMETRY) is None
            and "router" not in scope
        ):
            for route in self.candidates(scope["path"]):
                match, child_scope = route.matches(scope)
                if match is Match.FULL and FASTAPI_SCOPE not in child_scope:
                    scope["router"] = self.router
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await self.everything(scope, receive, send)


def _first_segment(route: BaseRoute) -> str | None:
    """The literal first segment of ``route``'s path, if it is a plain route."""
    if not isinstance(route, Route):
        return None
    first = route.path.split("/", 2)[1] if route.path.startswith("/") else "{"
    return None if "{" in first else first


def index_routes(router: APIRouter) -> None:
    """Routes ``router``'s requests through a ``RouteIndex`` (not when it has
    middleware of its own or form limits, which the index would skip)."""
    if router.middleware_stack == router.app and not router.form_limits:
        router.middleware_stack = RouteIndex(router)
