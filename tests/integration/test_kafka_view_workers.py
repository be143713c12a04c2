"""Views fed from Kafka (``SFA_PROJECTIONS_SOURCE=kafka``): two
``sfa projections run`` workers share the partitions; one is killed with
SIGKILL while the stream flows, the other takes its partitions over, and the
view ends with exactly the rows a rebuild from the log gives."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from benchmarks.projections_workload import record_log
from commands.application import SalesApplication
from projections.contact_history import ContactHistory
from tests.integration.kafka_relay_fixtures import (
    EVENT_SCHEMA,
    drop_database,
    new_prefix,
    own_database,
    pg_app,
    pg_relay,
    wait_for,
)
from tests.services import admin_cursor, drop_schema

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
SFA = Path(sys.executable).with_name("sfa")
NAME = ContactHistory.name
# Seconds to wait for a step: a group's rebalance with this broker (Tansu)
# takes several join rounds, which on a loaded machine ran past 90-120 s.
SLOW = 300


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    url, created = own_database(postgres_url, "_kafka_views")
    for schema in (EVENT_SCHEMA, "projections"):
        drop_schema(url, schema)
    yield url
    if created:
        drop_database(postgres_url, url)


class Worker:
    """``sfa projections <action> contact_history`` in a process of its own."""

    def __init__(
        self, url: str, bootstrap: str, prefix: str, log: Path, action: str = "run"
    ) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SFA_")}
        env |= {
            "SFA_DATABASE_URL": url,
            "SFA_DB_SCHEMA": EVENT_SCHEMA,
            "SFA_KAFKA_BOOTSTRAP": bootstrap,
            "SFA_KAFKA_TOPIC_PREFIX": prefix,
        }
        if action == "run":
            env["SFA_PROJECTIONS_SOURCE"] = "kafka"
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(SFA), "projections", action, NAME],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=out,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def has_partitions(self) -> bool:
        assigned = re.findall(r"assigned (.*)", self.output())
        return bool(assigned) and assigned[-1].strip() != "-"

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(timeout=30)


def position(url: str) -> int:
    with admin_cursor(url) as curs:
        try:
            curs.execute(
                "SELECT position FROM projections.positions WHERE name = %s", [NAME]
            )
        except psycopg2.errors.UndefinedTable:
            return 0
        row = curs.fetchone()
    return int(row[0]) if row else 0


def rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    with admin_cursor(url) as curs:
        for table in ContactHistory.tables:
            curs.execute(f'SELECT * FROM projections."{NAME}_{table}" ORDER BY 1')
            found[table] = curs.fetchall()
    return found


def test_two_workers_one_killed_the_other_finishes_as_a_rebuild(
    database: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    app: SalesApplication = pg_app(database)
    prefix = new_prefix()
    relay = pg_relay(app, database, kafka_bootstrap, prefix)
    record_log(app, 200)
    relay.catch_up()  # the topics exist before the workers subscribe
    first = Worker(database, kafka_bootstrap, prefix, tmp_path / "first.log")
    second = None
    try:
        # the second starts once the first made the tables: two first starts
        # at once race on CREATE TABLE IF NOT EXISTS (PostgreSQL's pg_type)
        wait_for(first.has_partitions, SLOW, first.output)
        second = Worker(database, kafka_bootstrap, prefix, tmp_path / "second.log")
        both = lambda: first.has_partitions() and second.has_partitions()  # noqa: E731
        wait_for(both, SLOW, lambda: first.output() + second.output())
        head = record_log(app, 6000, seed=2)
        relay.catch_up()
        wait_for(lambda: position(database) >= head // 3, SLOW, second.output)
        second.kill()
        killed_at = position(database)
        assert killed_at < head, "the kill came too late to test anything"
        head = record_log(app, 500, seed=3)  # and the stream goes on
        relay.catch_up()
        wait_for(lambda: position(database) == head, SLOW, first.output)
    finally:
        if second is not None:
            second.kill()
        first.kill(signal.SIGTERM)
        relay.close()
        app.close()
    live = rows(database)
    assert len(live["entries"]) > 1000

    rebuild = Worker(database, kafka_bootstrap, prefix, tmp_path / "r.log", "rebuild")
    assert rebuild.process.wait(timeout=300) == 0, rebuild.output()
    assert position(database) == head
    assert rows(database) == live
