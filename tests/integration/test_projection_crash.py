"""``sfa projections run`` on PostgreSQL, as a process of its own: killed with
SIGKILL in the middle of a large catch-up and restarted, it leaves exactly the
rows a rebuild gives (nothing applied twice, nothing skipped); and it polls,
so it sees a write of another process without being told of it.

The runner process keeps its views in schema ``projections`` of the database
it is given, so these tests run in a database of their own
(``<test db>_projection_crash``, created and dropped here); where the role may
not create databases they fall back to the test database itself, dropping
its ``projections`` schema.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from eventsourcing.utils import get_topic

from benchmarks.projections_workload import record_log
from commands import contacts
from commands.application import SalesApplication
from infra.settings import Settings
from projections.contact_history import ContactHistory
from tests.services import admin_cursor, drop_schema
from tests.unit.helpers import run

EVENTS = 20_000
EVENT_SCHEMA = "sfa_test_crash"
VIEWS = "projections"  # where `sfa projections run` keeps views: not configurable
NAME = ContactHistory.name
ROOT = Path(__file__).resolve().parents[2]
SFA = Path(sys.executable).with_name("sfa")
TOPICS = sorted(get_topic(c) for c in ContactHistory._handlers)


def own_database(url: str) -> tuple[str, bool]:
    """A database for this module's runners; ``True`` if created here."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_projection_crash"
    try:
        with admin_cursor(url) as curs:
            curs.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            curs.execute(f'CREATE DATABASE "{name}"')
    except psycopg2.Error:
        return url, False  # no CREATEDB: share the test database
    return urlunsplit(parts._replace(path="/" + name)), True


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    url, created = own_database(postgres_url)
    for schema in (EVENT_SCHEMA, VIEWS):
        drop_schema(url, schema)
    yield url
    if not created:
        for schema in (EVENT_SCHEMA, VIEWS):
            drop_schema(url, schema)
        return
    with admin_cursor(postgres_url) as curs:
        name = urlsplit(url).path[1:]
        curs.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def app(database: str) -> Iterator[SalesApplication]:
    env = Settings(database_url=database).persistence_env()
    application = SalesApplication(env={**env, "SFA_DB_SCHEMA": EVENT_SCHEMA})
    yield application
    application.close()


class Sfa:
    """``sfa projections ...`` in a process of its own, logging to a file."""

    def __init__(self, url: str, log: Path, *args: str, poll: float = 1.0) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SFA_")}
        env |= {
            "SFA_DATABASE_URL": url,
            "SFA_DB_SCHEMA": EVENT_SCHEMA,
            "SFA_DB_POLL_INTERVAL": str(poll),
        }
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(SFA), "projections", *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(timeout=30)


def position(curs: Any) -> int:
    try:
        curs.execute(f"SELECT position FROM {VIEWS}.positions WHERE name = %s", [NAME])
    except psycopg2.errors.UndefinedTable:
        return 0  # the runner has not created its tables yet
    row = curs.fetchone()
    return int(row[0]) if row else 0


def wait_until(
    url: str, runner: Sfa, reached: Any, timeout: float = 120.0, pause: float = 0.01
) -> int:
    """Polls the view's position until ``reached(position)``; returns it."""
    deadline = time.monotonic() + timeout
    with admin_cursor(url) as curs:
        while not reached(now := position(curs)):
            assert runner.process.poll() is None, f"runner exited:\n{runner.output()}"
            assert time.monotonic() < deadline, f"stuck at {now}:\n{runner.output()}"
            time.sleep(pause)
    return now


def stored_position(url: str) -> int:
    with admin_cursor(url) as curs:
        return position(curs)


def rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the live view, in key order."""
    found = {}
    with admin_cursor(url) as curs:
        for table in ContactHistory.tables:
            curs.execute(f'SELECT * FROM {VIEWS}."{NAME}_{table}" ORDER BY 1')
            found[table] = curs.fetchall()
    return found


def handled_positions(url: str) -> list[int]:
    """Positions of the log's events the view handles (one entry each here:
    the workload has no internal tasks)."""
    with admin_cursor(url) as curs:
        curs.execute(
            f"SELECT notification_id FROM {EVENT_SCHEMA}.sfa_events"
            " WHERE topic = ANY(%s) ORDER BY 1",
            [TOPICS],
        )
        return [row[0] for row in curs.fetchall()]


class TestProjectionRunnerProcess:
    def test_killed_in_a_catch_up_it_resumes_to_the_rows_of_a_rebuild(
        self, database: str, app: SalesApplication, tmp_path: Path
    ) -> None:
        head = record_log(app, EVENTS)
        log = tmp_path / "runner.log"
        first = Sfa(database, log, "run", NAME)
        try:
            wait_until(database, first, lambda p: p >= head // 2)
        finally:
            first.kill()
        killed_at = stored_position(database)
        assert head // 10 <= killed_at <= head * 9 // 10

        second = Sfa(database, log, "run", NAME)
        try:
            wait_until(database, second, lambda p: p >= head, pause=0.1)
        finally:
            second.kill(signal.SIGTERM)
        live = rows(database)
        assert [row[0] for row in live["entries"]] == handled_positions(database)

        rebuild = Sfa(database, tmp_path / "rebuild.log", "rebuild", NAME)
        assert rebuild.process.wait(timeout=300) == 0, rebuild.output()
        assert f"rebuilt to position {head}" in rebuild.output()
        assert stored_position(database) == head
        assert rows(database) == live

    def test_it_polls_for_writes_of_other_processes(
        self, database: str, app: SalesApplication, tmp_path: Path
    ) -> None:
        poll = 2.0
        head = record_log(app, 100)
        runner = Sfa(database, tmp_path / "runner.log", "run", NAME, poll=poll)
        try:
            wait_until(database, runner, lambda p: p >= head, timeout=60)
            for n in range(2):
                command = contacts.RegisterContact(given_name="Ada", family_name=f"{n}")
                written = run(app, contacts.register_contact, command).position
                started = time.monotonic()
                wait_until(database, runner, lambda p, w=written: p >= w, timeout=60)
                # nothing tells that process of the write: only its poll finds it
                assert time.monotonic() - started < poll + 3.0
        finally:
            runner.kill(signal.SIGTERM)
