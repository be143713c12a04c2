"""PostgreSQL restarted under running views: the runners (threads, as ``sfa
serve`` runs them) report the outage in their status, reconnect when the
server is back, resume from their tracking positions, and end with exactly
the rows a rebuild gives (nothing applied twice, nothing skipped).

The server is a private cluster (``tests/private_postgres.py``): the shared
one serves every other test and session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg2
import pytest

from benchmarks.projections_workload import record_log
from commands import contacts
from commands.base import Outcome
from infra.bootstrap import Container, bootstrap
from infra.settings import Settings
from projections.runner import Status
from tests.private_postgres import PrivatePostgres, private_postgres
from tests.unit.helpers import run

EVENTS = 6_000  # a catch-up long enough to be cut by the restart


@pytest.fixture
def server() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


@pytest.fixture
def container(server: PrivatePostgres) -> Iterator[Container]:
    built = bootstrap(Settings(database_url=server.url, poll_interval=0.2))
    yield built
    built.close()


def wait_for(what: str, done: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def statuses(container: Container) -> list[Status]:
    return container.projections.status()


def caught_up(container: Container, head: int) -> bool:
    return all(s.position >= head for s in statuses(container))


def register(container: Container, n: int) -> Outcome:
    command = contacts.RegisterContact(given_name="Ada", family_name=f"Restart {n}")
    return run(container.app, contacts.register_contact, command)


def view_rows(url: str, container: Container) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every live view table, in a stable order."""
    found = {}
    with psycopg2.connect(url) as conn, conn.cursor() as curs:
        for view in container.projections.runners.values():
            for table in type(view.view).tables:
                name = f'projections."{view.view.name}_{table}"'
                curs.execute(f"SELECT * FROM {name} ORDER BY 1")
                found[name] = sorted(curs.fetchall(), key=repr)
    conn.close()
    return found


class TestRestartUnderRunningViews:
    def test_views_reconnect_resume_and_equal_a_rebuild(
        self, server: PrivatePostgres, container: Container
    ) -> None:
        host = container.projections
        head = record_log(container.app, EVENTS)
        host.start()  # every view, one thread each, as `sfa serve` runs them
        wait_for(
            "a view in the middle of its catch-up",
            lambda: any(s.position > 0 for s in statuses(container)),
        )
        assert not caught_up(container, head)

        server.stop()
        wait_for(
            "every view to report the outage",
            lambda: all(s.last_error for s in statuses(container)),
            timeout=30,
        )
        down = statuses(container)  # answered from what was last seen
        assert any(s.position < head for s in down), "the outage came too late"
        during: list[Outcome] = []
        writer = threading.Thread(target=lambda: during.append(register(container, 0)))
        writer.start()  # a command sent while the server is down (it retries)
        time.sleep(0.5)
        server.start()
        writer.join(timeout=60)
        assert during, "the command sent during the outage was not recorded"
        assert during[0].position > head

        after = [register(container, n) for n in range(1, 4)]
        head = after[-1].position
        wait_for("the views to catch up again", lambda: caught_up(container, head))
        wait_for(
            "the errors to clear",
            lambda: not any(s.last_error for s in statuses(container)),
        )
        host.stop()
        live = view_rows(server.url, container)
        positions = {s.name: s.position for s in statuses(container)}
        assert set(positions.values()) == {head}

        for name in host.runners:
            assert host.rebuild(name) == head
        assert view_rows(server.url, container) == live
        assert {s.name: s.position for s in statuses(container)} == positions
