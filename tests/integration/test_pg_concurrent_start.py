"""Several processes starting at once on an empty PostgreSQL database (an API
server and a standalone runner, say) all come up: creating the event store
and every view's tables is serialised, not a race on ``IF NOT EXISTS``."""

from __future__ import annotations

import multiprocessing
from typing import Any

from tests.services import drop_schema

SCHEMA = "sfa_test_start"
VIEWS = "sfa_test_start_views"
PROCESSES = 4


def start(url: str, barrier: Any, results: Any) -> None:
    """What a process does when it starts: the application, then the views."""
    try:
        from commands.application import SalesApplication
        from infra.pg_datastore import PgDatastore
        from infra.projection_host import VIEWS as ALL_VIEWS
        from infra.settings import Settings
        from infra.view_store import PgViewStore

        env = {**Settings(database_url=url).persistence_env(), "SFA_DB_SCHEMA": SCHEMA}
        barrier.wait(timeout=60)
        app = SalesApplication(env=env)
        store = PgViewStore(PgDatastore(url, schema=VIEWS), schema=VIEWS)
        for view in ALL_VIEWS:
            store.create(view)
        store.close()
        app.close()
        results.put("started")
    except Exception as e:  # reported to the test, which names it
        results.put(f"{type(e).__name__}: {e}")


def test_processes_starting_together_on_an_empty_database_all_start(
    postgres_url: str,
) -> None:
    context = multiprocessing.get_context("spawn")
    for attempt in range(3):  # the race, when present, lost every time here
        for schema in (SCHEMA, VIEWS):
            drop_schema(postgres_url, schema)
        barrier, results = context.Barrier(PROCESSES), context.Queue()
        processes = [
            context.Process(target=start, args=(postgres_url, barrier, results))
            for _ in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=30)
        assert outcomes == ["started"] * PROCESSES, f"attempt {attempt}: {outcomes}"
    for schema in (SCHEMA, VIEWS):
        drop_schema(postgres_url, schema)
