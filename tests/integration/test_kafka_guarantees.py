"""The relay's delivery guarantees when things go wrong, with a real broker
(a private Tansu per test) and real PostgreSQL: the broker frozen or stopped
a while, the relay process killed with SIGKILL in the middle of a batch, and
PostgreSQL restarted under a running relay. In every case a consumer that
deduplicates on ``id`` sees every event exactly once and in order per key;
duplicates arrive only as at-least-once permits (a batch sent again)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from benchmarks.projections_workload import record_log
from commands.application import SalesApplication
from tests.integration.kafka_relay_fixtures import (
    EVENT_SCHEMA,
    Writer,
    drop_database,
    new_prefix,
    own_database,
    pg_app,
    pg_relay,
    topics_of,
    wait_for,
)
from tests.kafka_broker import broker_missing_reason, private_broker
from tests.kafka_stream import (
    check_stream,
    read_confluent,
    read_kafka_python,
    stored_events,
)
from tests.private_postgres import private_postgres
from tests.services import admin_cursor, drop_schema, missing

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
SFA = Path(sys.executable).with_name("sfa")


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[str]:
    url, created = own_database(postgres_url, "_kafka_guarantees")
    yield url
    if created:
        drop_database(postgres_url, url)


@pytest.fixture
def app(database: str) -> Iterator[SalesApplication]:
    drop_schema(database, EVENT_SCHEMA)
    application = pg_app(database)
    yield application
    application.close()


@pytest.fixture
def broker() -> Iterator[object]:
    reason = broker_missing_reason()
    if reason and "SFA_TEST_KAFKA_BOOTSTRAP" not in reason:
        missing(reason)
    with private_broker() as found:
        yield found


def assert_both_clients_see_every_event(
    bootstrap: str,
    prefix: str,
    app: SalesApplication,
    start: int = 0,
    resent_after: int = 0,
) -> int:
    stored = stored_events(app, start)
    want = {s.id for s in stored}
    topics = topics_of(prefix)
    received = read_kafka_python(bootstrap, topics, want)
    duplicates = check_stream(received, stored, resent_after)
    check_stream(read_confluent(bootstrap, topics, want), stored, resent_after)
    return duplicates


class TestBrokerAway:
    def test_frozen_broker_mid_stream_loses_nothing(
        self, app: SalesApplication, database: str, broker: Any
    ) -> None:
        record_log(app, 2000)
        prefix = new_prefix()
        relay = pg_relay(app, database, broker.bootstrap, prefix, ack_wait=1.0)
        relay.start()
        try:
            with Writer(app):
                wait_for(lambda: relay.position() > 0, 30, relay.status)
                broker.freeze()  # holds its connections, answers nothing
                time.sleep(2)  # acknowledgements sent before are saved
                frozen_at = relay.position()
                time.sleep(5)
                assert relay.position() == frozen_at
                assert relay.status().last_error  # it says it is waiting
                broker.thaw()
                time.sleep(1)
            head = relay.head()
            wait_for(lambda: relay.position() == head, 60, relay.status)
        finally:
            relay.close()
        assert head > frozen_at
        assert_both_clients_see_every_event(broker.bootstrap, prefix, app)

    def test_stopped_broker_gets_what_was_written_while_it_was_away(
        self, app: SalesApplication, database: str, broker: Any
    ) -> None:
        """Tansu keeps its data in memory here: the broker that comes back is
        empty. Everything the relay had not had acknowledged before the stop
        reaches the new broker; what it had, the first broker delivered."""
        prefix = new_prefix()
        relay = pg_relay(app, database, broker.bootstrap, prefix, ack_wait=1.0)
        relay.start()
        try:
            before = record_log(app, 1000)
            wait_for(lambda: relay.position() == before, 60, relay.status)
            assert_both_clients_see_every_event(broker.bootstrap, prefix, app)
            broker.stop()
            head = record_log(app, 1000, seed=2)  # written while it is away
            time.sleep(4)
            assert relay.position() == before
            assert relay.status().last_error
            broker.start()
            wait_for(lambda: relay.position() == head, 90, relay.status)
        finally:
            relay.close()
        assert_both_clients_see_every_event(broker.bootstrap, prefix, app, before)


class Process:
    """``sfa relay`` in a process of its own, logging to a file."""

    def __init__(self, url: str, bootstrap: str, prefix: str, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SFA_")}
        env |= {
            "SFA_DATABASE_URL": url,
            "SFA_DB_SCHEMA": EVENT_SCHEMA,
            "SFA_DB_POLL_INTERVAL": "0.2",
            "SFA_KAFKA_BOOTSTRAP": bootstrap,
            "SFA_KAFKA_TOPIC_PREFIX": prefix,
        }
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(SFA), "relay"], cwd=ROOT, env=env, stdout=out, stderr=out
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(timeout=30)


def tracked(url: str, prefix: str) -> int:
    with admin_cursor(url) as curs:
        try:
            curs.execute(
                "SELECT position FROM projections.positions WHERE name = %s",
                [f"kafka_relay.{prefix}"],
            )
        except psycopg2.errors.UndefinedTable:
            return 0
        row = curs.fetchone()
    return int(row[0]) if row else 0


class TestRelayKilled:
    def test_sigkill_mid_batch_then_restart_loses_nothing(
        self, app: SalesApplication, database: str, broker: Any, tmp_path: Path
    ) -> None:
        head = record_log(app, 20_000)
        prefix = new_prefix()
        log = tmp_path / "relay.log"
        first = Process(database, broker.bootstrap, prefix, log)
        try:
            wait_for(lambda: tracked(database, prefix) >= head // 4, 120, first.output)
        finally:
            first.kill()
        killed_at = tracked(database, prefix)
        assert killed_at < head, "the kill came too late to test anything"

        second = Process(database, broker.bootstrap, prefix, log)
        try:
            wait_for(lambda: tracked(database, prefix) == head, 180, second.output)
        finally:
            second.kill(signal.SIGTERM)
        # only what was sent after the position saved before the kill comes twice
        duplicates = assert_both_clients_see_every_event(
            broker.bootstrap, prefix, app, resent_after=killed_at
        )
        assert duplicates > 0  # it was killed with records sent and not saved


class TestDatabaseRestart:
    def test_postgres_restart_under_a_running_relay_loses_nothing(
        self, broker: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        with private_postgres() as server:
            app = pg_app(server.url)
            prefix = new_prefix()
            relay = pg_relay(app, server.url, broker.bootstrap, prefix)
            relay.start()
            try:
                with Writer(app):
                    wait_for(lambda: relay.position() > 50, 60, relay.status)
                    server.restart()
                    time.sleep(2)
                    written_after = relay.head()
                    wait_for(
                        lambda: relay.head() > written_after + 50, 60, relay.status
                    )
                head = relay.head()
                wait_for(lambda: relay.position() == head, 60, relay.status)
            finally:
                relay.close()
            # the restart dropped the clients' connections (they said so)
            assert "connection lost" in caplog.text or "kafka relay:" in caplog.text
            assert_both_clients_see_every_event(broker.bootstrap, prefix, app)
            app.close()
