"""What the PostgreSQL store promises beyond the library's suites."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import psycopg2
import pytest
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent

from infra.pg_datastore import PgDatastore
from infra.pg_recorders import PgApplicationRecorder, _Write
from tests.services import admin_cursor, drop_schema, require_postgres

SCHEMA = "sfa_test_store"
APP_NAME = "sfa-test-store"  # only this test's connections are ever terminated
EVENTS = f'"{SCHEMA}"."events"'


@pytest.fixture
def url() -> str:
    url = require_postgres()
    drop_schema(url, SCHEMA)
    return url


@pytest.fixture
def recorder(url: str) -> Iterator[PgApplicationRecorder]:
    datastore = PgDatastore(
        url, schema=SCHEMA, poll_interval=0.2, application_name=APP_NAME
    )
    recorder = PgApplicationRecorder(datastore, events_table_name="events")
    recorder.create_table()
    yield recorder
    datastore.close()


def new_events(count: int = 1) -> list[StoredEvent]:
    originator_id = uuid4()
    return [
        StoredEvent(originator_id, version, "topic", b'{"n": 1}')
        for version in range(1, count + 1)
    ]


def terminate_backends(url: str, query_like: str = "%") -> int:
    with admin_cursor(url) as curs:
        curs.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s AND pid <> pg_backend_pid()"
            " AND datname = current_database()"
            " AND query LIKE %s",
            (APP_NAME, query_like),
        )
        row = curs.fetchone()
    return int(row[0]) if row else 0


class TestEventsTableIsInsertOnly:
    @pytest.mark.parametrize(
        "statement",
        [
            f"UPDATE {EVENTS} SET topic = 'altered'",
            f"DELETE FROM {EVENTS}",
            f"TRUNCATE {EVENTS}",
        ],
    )
    def test_database_refuses(
        self, url: str, recorder: PgApplicationRecorder, statement: str
    ) -> None:
        recorder.insert_events(new_events(2))
        with admin_cursor(url) as curs:
            with pytest.raises(psycopg2.Error, match="immutable"):
                curs.execute(statement)
            curs.execute(f"SELECT count(*), min(topic) FROM {EVENTS}")
            assert curs.fetchone() == (2, "topic")


class TestInsertEvents:
    def test_positions_are_gapless_after_a_conflict(
        self, recorder: PgApplicationRecorder
    ) -> None:
        events = new_events(2)
        assert recorder.insert_events(events) == [1, 2]
        with pytest.raises(IntegrityError):
            recorder.insert_events([events[1], *new_events(1)])
        assert recorder.max_notification_id() == 2
        assert recorder.insert_events(new_events(1)) == [3]

    def test_dropped_connections_are_replaced(
        self, url: str, recorder: PgApplicationRecorder
    ) -> None:
        recorder.insert_events(new_events(1))
        assert terminate_backends(url) >= 1
        assert recorder.insert_events(new_events(1)) == [2]
        assert len(recorder.select_notifications(start=None, limit=10)) == 2

    def test_tailing_reader_never_sees_a_gap(
        self, recorder: PgApplicationRecorder
    ) -> None:
        """Given 4 writers racing, a reader that follows the log from its last
        position sees every position in order: nothing is skipped."""
        writers_done = threading.Event()

        def write() -> None:
            for _ in range(50):
                recorder.insert_events(new_events(3))

        threads = [threading.Thread(target=write) for _ in range(4)]
        for thread in threads:
            thread.start()
        seen: list[int] = []

        def close_when_written() -> None:
            for thread in threads:
                thread.join()
            writers_done.set()

        closer = threading.Thread(target=close_when_written)
        closer.start()
        while not writers_done.is_set() or len(seen) < 600:
            page = recorder.select_notifications(
                start=seen[-1] if seen else 0, limit=50, inclusive_of_start=False
            )
            seen.extend(n.id for n in page)
        closer.join()
        assert seen == list(range(1, 601))


class TestSubscription:
    def test_delivers_a_row_whose_notify_was_lost(
        self, url: str, recorder: PgApplicationRecorder
    ) -> None:
        """Given a subscription, when a row arrives without a NOTIFY, then the
        subscription still yields it (it polls)."""
        with recorder.subscribe(gt=None) as subscription:
            give_up = threading.Timer(10, subscription.stop)
            give_up.start()
            with admin_cursor(url) as curs:
                curs.execute(
                    f"INSERT INTO {EVENTS} (notification_id, originator_id,"
                    " originator_version, topic, state)"
                    " VALUES (1, %s, 1, 'silent', '\\x7b7d')",
                    (uuid4(),),
                )
            notification = next(subscription)
            give_up.cancel()
        assert (notification.id, notification.topic) == (1, "silent")

    def test_survives_losing_its_listening_connection(
        self, url: str, recorder: PgApplicationRecorder
    ) -> None:
        with recorder.subscribe(gt=None) as subscription:
            give_up = threading.Timer(15, subscription.stop)
            give_up.start()
            recorder.insert_events(new_events(1))
            assert next(subscription).id == 1
            assert terminate_backends(url, f'LISTEN "{SCHEMA}_events"%') == 1
            recorder.insert_events(new_events(1))
            assert next(subscription).id == 2
            give_up.cancel()


class TestDriverErrors:
    def test_unreachable_database_is_an_operational_error(self) -> None:
        datastore = PgDatastore("postgresql://postgres@127.0.0.1:1/test")
        recorder = PgApplicationRecorder(datastore, events_table_name="events")
        with pytest.raises(OperationalError, match=r"127\.0\.0\.1"):
            recorder.probe_head()

    def test_busy_pool_is_an_operational_error_not_a_hang(self, url: str) -> None:
        datastore = PgDatastore(url, schema=SCHEMA, pool_size=1, pool_timeout=0.2)
        busy = pytest.raises(OperationalError, match="free")
        with datastore.connection(), busy, datastore.connection():
            pass
        datastore.close()


class TestSelect:
    @pytest.mark.parametrize("output", ["hex", "escape"])
    def test_state_reads_back_as_bytes_whatever_bytea_output(
        self, url: str, recorder: PgApplicationRecorder, output: str
    ) -> None:
        state = bytes(range(256))
        event = StoredEvent(uuid4(), 1, "topic", state)
        recorder.insert_events([event])
        datastore = PgDatastore(
            f"{url}?options=-c%20bytea_output%3D{output}", schema=SCHEMA
        )
        reader = PgApplicationRecorder(datastore, events_table_name="events")
        (notification,) = reader.select_notifications(start=None, limit=1)
        (stored,) = reader.select_events(event.originator_id)
        datastore.close()
        assert notification.state == stored.state == state
        assert type(notification.state) is bytes


class TestGroupCommit:
    def test_concurrent_writes_keep_their_own_positions_and_replies(
        self, recorder: PgApplicationRecorder
    ) -> None:
        """Given 16 writers, each write gets contiguous positions of its own,
        its idempotency reply the position of its last event, and writes
        share transactions."""

        def write(n: int) -> tuple[list[StoredEvent], Sequence[int] | None]:
            events = new_events(1 + n % 3)
            reply = {"key": f"k{n}", "request_hash": "h", "status": 201}
            return events, recorder.insert_events(events, idempotency=reply)

        with ThreadPoolExecutor(16) as pool:
            written = list(pool.map(write, range(300)))
        all_ids = sorted(i for _, ids in written for i in ids or [])
        assert all_ids == list(range(1, len(all_ids) + 1))
        log = {n.id: n for n in recorder.select_notifications(None, 10_000)}
        for n, (events, ids) in enumerate(written):
            assert ids is not None and len(ids) == len(events)
            assert [log[i].originator_version for i in ids] == [1, 2, 3][: len(ids)]
            assert {log[i].originator_id for i in ids} == {events[0].originator_id}
            reply = recorder.select_idempotency(f"k{n}")
            assert reply is not None and reply["position"] == ids[-1]
        assert recorder.committer.batches < recorder.committer.requests == 300

    def test_a_conflicting_write_fails_alone(
        self, recorder: PgApplicationRecorder
    ) -> None:
        taken = new_events(1)
        recorder.insert_events(taken)

        def write(n: int) -> Sequence[int] | None:
            return recorder.insert_events(taken if n == 5 else new_events(1))

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(write, n) for n in range(40)]
        failed = [n for n, f in enumerate(futures) if f.exception() is not None]
        assert failed == [5]
        assert isinstance(futures[5].exception(), IntegrityError)
        assert recorder.max_notification_id() == 40


class TestExpectedVersions:
    """A write names records it relied on without changing them, each with
    the version it saw; it is recorded only if all are still there."""

    def test_a_record_still_at_its_version_lets_the_write_through(
        self, recorder: PgApplicationRecorder
    ) -> None:
        relied_on = new_events(2)
        recorder.insert_events(relied_on)
        expect = {relied_on[0].originator_id: 2}
        assert recorder.insert_events(new_events(1), expect=expect) == [3]

    def test_a_record_that_moved_on_refuses_the_write(
        self, recorder: PgApplicationRecorder
    ) -> None:
        relied_on = new_events(2)
        recorder.insert_events(relied_on)
        stale = {relied_on[0].originator_id: 1}
        reply = {"key": "k", "request_hash": "h", "status": 201}
        with pytest.raises(IntegrityError):
            recorder.insert_events(new_events(1), expect=stale, idempotency=reply)
        assert recorder.max_notification_id() == 2
        assert recorder.select_idempotency("k") is None

    def test_a_write_relying_on_a_record_changed_earlier_in_its_batch_fails_alone(
        self, recorder: PgApplicationRecorder
    ) -> None:
        """Commands committed together: the log puts the first write's change
        before the second write, so the second relied on a replaced version."""
        relied_on = new_events(1)
        recorder.insert_events(relied_on)
        record = relied_on[0].originator_id
        change = StoredEvent(record, 2, "topic", b"{}")
        results = recorder._insert_group(
            [_Write([change], None), _Write(new_events(1), None, {record: 1})]
        )
        assert results[0] == [2]
        assert isinstance(results[1], IntegrityError)
        assert recorder.max_notification_id() == 2
