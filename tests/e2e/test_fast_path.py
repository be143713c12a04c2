"""The plain way through FastAPI (``api.fast_path``) answers exactly as
FastAPI's own handler and router do: each request is sent both ways and the
status, headers and body compared. The requests are refused or only read,
so the first answer does not change the second."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import pytest
from fastapi.routing import APIRoute, request_response
from httpx import Response

from api.fast_path import RouteIndex
from tests.e2e.conftest import Engine, auth, post

KEY = {"Idempotency-Key": "k" * 256}
JSON = {"Content-Type": "application/json"}


@contextmanager
def standard(engine: Engine) -> Iterator[None]:
    """FastAPI's own handlers and router, for the time of the block."""
    app: Any = engine.client.app
    routes = [r for r in app.router.routes if isinstance(r, APIRoute)]
    plain = [route.app for route in routes]
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    for route in routes:
        route.app = request_response(route.get_route_handler())
    app.router.middleware_stack = index.everything
    try:
        yield
    finally:
        for route, handler in zip(routes, plain, strict=True):
            route.app = handler
        app.router.middleware_stack = index


def answer(response: Response) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in response.headers.items() if k != "date"}
    return response.status_code, headers, response.content


def assert_same(engine: Engine, method: str, path: str, **kwargs: Any) -> None:
    fast = engine.client.request(method, path, follow_redirects=False, **kwargs)
    with standard(engine):
        slow = engine.client.request(method, path, follow_redirects=False, **kwargs)
    assert answer(fast) == answer(slow), (method, path, kwargs)


@pytest.fixture
def world(reps: Engine) -> tuple[Engine, str, str]:
    account = post(reps, "/accounts", {"name": "Acme"})["id"]
    ada = {"given_name": "Ada", "family_name": "Lovelace", "account_id": account}
    contact = post(reps, "/contacts", ada)
    return reps, account, contact["id"]


BAD_BODIES: list[dict[str, Any]] = [
    {"content": b"{", "headers": JSON},
    {"content": b"", "headers": JSON},
    {"content": b'{"given_name": "Ada"}', "headers": {"Content-Type": "text/plain"}},
    {"content": b'{"given_name": "Ada"}'},
    {"json": {"given_name": 7, "surprise": True}},
    {"json": []},
]


@pytest.mark.parametrize("body", BAD_BODIES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nobody"},
        auth("analyst"),
        {**auth("rep"), **KEY},
        {**auth("rep"), "If-Match": "three"},
        auth("rep"),
    ],
)
def test_each_check_answers_in_its_order(
    world: tuple[Engine, str, str],
    headers: dict[str, str],
    body: dict[str, Any],
) -> None:
    engine, _, contact = world
    sent = {**body, "headers": {**body.get("headers", {}), **headers}}
    assert_same(engine, "POST", "/contacts", **sent)
    assert_same(engine, "PATCH", f"/contacts/{contact}", **sent)
    assert_same(engine, "POST", "/opportunities/not-a-uuid/stage", **sent)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/contacts/{contact}"),
        ("GET", "/accounts/{account}"),
        ("GET", "/contacts/not-a-uuid"),
        ("GET", f"/contacts/{uuid4()}"),
        ("GET", "/contacts/{contact}/"),
        ("GET", "/nowhere"),
        ("DELETE", "/contacts/{contact}"),
        ("PUT", "/contacts"),
        ("GET", "/livez"),
        ("GET", "/"),
    ],
)
def test_reads_and_misses_answer_alike(
    world: tuple[Engine, str, str], method: str, path: str
) -> None:
    engine, account, contact = world
    url = path.format(account=account, contact=contact)
    assert_same(engine, method, url, headers=auth("rep"))


def test_a_refused_write_answers_alike(world: tuple[Engine, str, str]) -> None:
    engine, _, contact = world
    stale = {**auth("rep"), "If-Match": '"7"'}
    assert_same(engine, "PATCH", f"/contacts/{contact}", json={}, headers=stale)
    deal = {"account_id": str(uuid4()), "name": "Deal", "amount": "10.00"}
    assert_same(engine, "POST", "/opportunities", json=deal, headers=auth("rep"))
