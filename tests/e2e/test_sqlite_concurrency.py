"""The embedded store under concurrent writers while every view runs.

Writers and the in-process view runners share one SQLite file (events and
``projections_*`` tables). Pairs of writes at once while the views catch up
on a backlog: every write answers 201 (none waits out a lock timeout and
answers 503), nothing is lost, and every view reaches the head."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.conftest import Engine, auth, post

BACKLOG, PAIRS = 150, 30


def _account(engine: Engine, name: str) -> tuple[int, float, Any]:
    started = time.monotonic()
    answer = engine.client.post("/accounts", json={"name": name}, headers=auth("rep"))
    return answer.status_code, time.monotonic() - started, answer.json()


@pytest.fixture
def catching_up(reps: Engine) -> Iterator[Engine]:
    """The engine with a backlog its views have just started on."""
    for n in range(BACKLOG):
        post(reps, "/accounts", {"name": f"Backlog {n}"})
    reps.container.projections.start()
    yield reps
    reps.container.projections.stop()


def test_concurrent_pairs_of_writes_while_views_catch_up(catching_up: Engine) -> None:
    engine = catching_up
    results: list[tuple[int, float, Any]] = []
    with ThreadPoolExecutor(2) as pool:
        for n in range(PAIRS):
            pair = [f"Pair {n} {side} {uuid4().hex[:6]}" for side in "ab"]
            results += pool.map(lambda name: _account(engine, name), pair)
    failed = [(status, body) for status, _, body in results if status != 201]
    assert failed == []
    slowest = max(seconds for _, seconds, _ in results)
    assert slowest < 3.0  # none waited out the pool's or SQLite's 5 s timeout
    positions = {body["position"] for _, _, body in results}
    assert len(positions) == 2 * PAIRS  # each write recorded once
    for _, _, body in results:
        found = engine.client.get(f"/accounts/{body['id']}", headers=auth("rep"))
        assert found.status_code == 200, found.text
    head, host = engine.head(), engine.container.projections
    for name in host.runners:
        assert host.wait_for(name, head, timeout=10), name
    assert all(status.last_error is None for status in host.status())
