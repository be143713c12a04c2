"""The embedded default: the library's suites, plus subscribe and insert-only."""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.tests import persistence as suites
from eventsourcing.utils import Environment

from infra.sqlite import Factory, SubscribableSQLiteRecorder
from tests.services import join_stray_threads


def sqlite_factory(path: Path, poll_interval: str = "0.1") -> Factory:
    env = Environment(
        env={
            "PERSISTENCE_MODULE": "infra.sqlite:Factory",
            "SQLITE_DBNAME": str(path),
            "SFA_DB_POLL_INTERVAL": poll_interval,
        }
    )
    return Factory(env)


class TestSQLiteApplicationRecorder(suites.ApplicationRecorderTestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.factory = sqlite_factory(Path(self.tmp.name) / "var" / "sfa.db")

    def tearDown(self) -> None:
        join_stray_threads()
        self.factory.close()
        self.tmp.cleanup()

    def create_recorder(self) -> ApplicationRecorder:
        return self.factory.application_recorder()

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


def event(version: int = 1) -> StoredEvent:
    return StoredEvent(uuid4(), version, "topic", b"{}")


@pytest.fixture
def factory(tmp_path: Path) -> Factory:
    return sqlite_factory(tmp_path / "nested" / "sfa.db")


class TestSQLiteEventsAreInsertOnly:
    @pytest.mark.parametrize(
        "statement",
        ["UPDATE stored_events SET topic = 'x'", "DELETE FROM stored_events"],
    )
    def test_change_is_refused(self, factory: Factory, statement: str) -> None:
        factory.application_recorder().insert_events([event()])
        conn = sqlite3.connect(factory.db_name)
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute(statement)
        assert conn.execute(
            "SELECT count(*), min(topic) FROM stored_events"
        ).fetchone() == (1, "topic")


class TestSQLiteSubscription:
    def test_sees_events_written_by_another_process(self, factory: Factory) -> None:
        """Given a subscription, when another connection (as another process
        would) inserts an event, then the subscription yields it by polling."""
        recorder = factory.application_recorder()
        assert isinstance(recorder, SubscribableSQLiteRecorder)
        with recorder.subscribe(gt=None) as subscription:
            give_up = threading.Timer(10, subscription.stop)
            give_up.start()
            with sqlite3.connect(factory.db_name) as other:
                other.execute(
                    "INSERT INTO stored_events"
                    " (originator_id, originator_version, topic,"
                    " state) VALUES (?, ?, ?, ?)",
                    (uuid4().hex, 1, "topic", b"{}"),
                )
            notification = next(subscription)
            give_up.cancel()
        assert notification.id == 1

    def test_creates_the_database_folder(self, factory: Factory) -> None:
        factory.application_recorder()
        assert Path(factory.db_name).exists()
