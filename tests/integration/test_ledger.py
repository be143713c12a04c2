"""The ledger: every event sealed in a hash chain; verify finds tampering.

Each tampering is done the way an insider would: as a superuser, with the
immutability triggers out of the way, straight on the stored rows.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import DataError, StoredEvent

from infra import ledger
from infra.pg_datastore import PgDatastore
from infra.pg_recorders import PgApplicationRecorder
from infra.sqlite import Factory, SubscribableSQLiteRecorder
from tests.services import admin_cursor, drop_schema, require_postgres

SCHEMA = "sfa_test_ledger"
TABLE = "events"
EVERY = 10


class UnchainedPg(PgApplicationRecorder):
    chained = False


@dataclass
class Store:
    """A recorder, and a superuser's way around its triggers: ``tamper(sql)``
    runs statements with the table's immutability switched off."""

    recorder: Any
    tamper: Callable[[list[str]], None]
    table: str


def new_events(count: int) -> list[StoredEvent]:
    originator_id = uuid4()
    return [
        StoredEvent(originator_id, v, "domain.contact:Contact.Renamed", b'{"n":%d}' % v)
        for v in range(1, count + 1)
    ]


@contextmanager
def pg_store(
    recorder_class: type[PgApplicationRecorder] = PgApplicationRecorder,
    fresh: bool = True,
) -> Iterator[Store]:
    url = require_postgres()
    if fresh:
        drop_schema(url, SCHEMA)
    datastore = PgDatastore(url, schema=SCHEMA)
    recorder = recorder_class(datastore, events_table_name=TABLE)
    recorder.checkpoint_every = EVERY
    recorder.create_table()

    def tamper(statements: list[str]) -> None:
        with admin_cursor(url) as curs:
            curs.execute("BEGIN; SET LOCAL session_replication_role = replica")
            for statement in statements:
                curs.execute(statement)
            curs.execute("COMMIT")

    try:
        yield Store(recorder, tamper, f'"{SCHEMA}"."{TABLE}"')
    finally:
        datastore.close()


@contextmanager
def sqlite_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sfa.db"
        factory = Factory({"SQLITE_DBNAME": str(path), ledger.CHECKPOINT_ENV: "10"})
        recorder = factory.application_recorder()
        assert isinstance(recorder, SubscribableSQLiteRecorder)

        def tamper(statements: list[str]) -> None:
            with sqlite3.connect(path) as conn:
                for trigger in ("no_update", "no_delete"):
                    conn.execute(f"DROP TRIGGER IF EXISTS stored_events_{trigger}")
                for statement in statements:
                    conn.execute(statement)

        try:
            yield Store(recorder, tamper, "stored_events")
        finally:
            factory.close()


STORES: dict[str, Callable[[], AbstractContextManager[Store]]] = {
    "postgres": pg_store,
    "sqlite": sqlite_store,
}


@pytest.fixture(params=sorted(STORES))
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    with STORES[request.param]() as store:
        yield store


def fill(store: Store, writes: int = 7, per_write: int = 5) -> None:
    for _ in range(writes):
        store.recorder.insert_events(new_events(per_write))


def position_column(store: Store) -> str:
    return "notification_id" if "." in store.table else "rowid"


class TestSealing:
    def test_untouched_log_verifies_with_checkpoints(self, store: Store) -> None:
        fill(store)  # 35 events: checkpoints at 10, 20, 30
        verdict = ledger.verify(store.recorder, page=4)
        assert verdict.intact, verdict.reason
        assert (verdict.start, verdict.position, verdict.checked) == (1, 35, 35)
        assert verdict.checkpoints_checked == 3
        marks = store.recorder.select_checkpoints()
        assert [c.position for c in marks] == [10, 20, 30]
        rows = store.recorder.select_sealed(0, 35, 100)
        assert marks[1].hash == rows[19].hash
        assert verdict.hash == rows[-1].hash.hex()

    def test_chain_is_the_documented_one(self, store: Store) -> None:
        events = new_events(3)
        store.recorder.insert_events(events)
        rows = store.recorder.select_sealed(0, 3, 10)
        expected = ledger.seal(
            ledger.GENESIS,
            0,
            [
                (UUID(str(e.originator_id)), e.originator_version, e.topic, e.state)
                for e in events
            ],
        )
        assert [r.hash for r in rows] == expected

    def test_partial_verify_starts_at_a_checkpoint(self, store: Store) -> None:
        fill(store)
        verdict = ledger.verify(store.recorder, start=25, stop=32)
        assert verdict.intact, verdict.reason
        assert (verdict.start, verdict.position, verdict.checked) == (21, 32, 12)

    def test_concurrent_writers_leave_one_intact_chain(self, store: Store) -> None:
        def write() -> None:
            for _ in range(15):
                store.recorder.insert_events(new_events(2))

        threads = [threading.Thread(target=write) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        verdict = ledger.verify(store.recorder)
        assert (verdict.intact, verdict.checked) == (True, 180), verdict.reason
        assert len(store.recorder.select_checkpoints()) == 18

    def test_progress_is_reported(self, store: Store) -> None:
        fill(store)
        seen: list[tuple[int, int]] = []
        ledger.verify(
            store.recorder, progress=lambda d, t: seen.append((d, t)), page=10
        )
        assert seen[-1] == (35, 35)
        assert len(seen) > 2


class TestTampering:
    def test_altered_bytes_are_located(self, store: Store) -> None:
        fill(store)
        col = position_column(store)
        altered = literal(store, b'{"n":9}')
        store.tamper([f"UPDATE {store.table} SET state = {altered} WHERE {col} = 17"])
        verdict = ledger.verify(store.recorder)
        assert not verdict.intact
        assert verdict.position == 17
        assert verdict.reason and "altered" in verdict.reason

    def test_deleted_event_is_located(self, store: Store) -> None:
        fill(store)
        store.tamper([f"DELETE FROM {store.table} WHERE {position_column(store)} = 12"])
        verdict = ledger.verify(store.recorder)
        assert (verdict.intact, verdict.position) == (False, 12)
        assert verdict.reason and "missing" in verdict.reason

    def test_reordered_events_are_located(self, store: Store) -> None:
        fill(store)
        col = position_column(store)
        store.tamper(
            [
                f"UPDATE {store.table} SET {col} = -1 WHERE {col} = 23",
                f"UPDATE {store.table} SET {col} = 23 WHERE {col} = 27",
                f"UPDATE {store.table} SET {col} = 27 WHERE {col} = -1",
            ]
        )
        verdict = ledger.verify(store.recorder)
        assert (verdict.intact, verdict.position) == (False, 23)
        assert verdict.reason and "moved" in verdict.reason

    def test_a_row_written_around_the_recorder_stops_writes(self, store: Store) -> None:
        """A row inserted without a hash after the ledger began is named by
        verify, and the store refuses to chain on from it (fail closed)."""
        fill(store, writes=2)
        col = position_column(store)
        columns = f"{col}, originator_id, originator_version, topic, state"
        oid = literal(store, b"x") if "." not in store.table else f"'{uuid4()}'"
        store.tamper(
            [
                f"INSERT INTO {store.table} ({columns})"
                f" VALUES (11, {oid}, 1, 't', {literal(store, b'{}')})"
            ]
        )
        verdict = ledger.verify(store.recorder)
        assert (verdict.intact, verdict.position) == (False, 11)
        assert verdict.reason and "no stored hash" in verdict.reason
        with pytest.raises(DataError, match="has no hash"):
            store.recorder.insert_events(new_events(1))

    def test_rewritten_chain_is_caught_by_a_checkpoint(self, store: Store) -> None:
        """An insider who alters an event and recomputes every later hash
        still disagrees with the checkpoint recorded after it."""
        fill(store)
        rows = store.recorder.select_sealed(0, 35, 100)
        previous = rows[12].hash
        col = position_column(store)
        statements = []
        for row in rows[13:]:
            state = b'{"n":0}' if row.position == 14 else row.state
            previous = ledger.chain(
                previous, row.position, row.originator_id, row.version, row.topic, state
            )
            statements.append(
                f"UPDATE {store.table} SET state = {literal(store, state)},"
                f" hash = {literal(store, previous)} WHERE {col} = {row.position}"
            )
        store.tamper(statements)
        verdict = ledger.verify(store.recorder)
        assert (verdict.intact, verdict.position) == (False, 20)
        assert verdict.reason and "checkpoint" in verdict.reason


def literal(store: Store, value: bytes) -> str:
    if "." in store.table:
        return f"'\\x{value.hex()}'::bytea"
    return f"X'{value.hex()}'"


class TestRowsFromBeforeTheLedger:
    def test_first_write_seals_them_and_verify_checks_them(self) -> None:
        """Rows recorded before the upgrade have no hash; the first write
        after it seals them with a ``legacy`` checkpoint, and chains on."""
        with pg_store(UnchainedPg) as old:
            fill(old, writes=5, per_write=5)  # 25 rows, no hash, no checkpoints
            assert old.recorder.select_sealed(0, 25, 1)[0].hash is None
        with pg_store(fresh=False) as new:  # the upgrade: sealed at start
            marks = new.recorder.select_checkpoints()
            assert [(c.position, c.kind) for c in marks][-1] == (25, "legacy")
            new.recorder.insert_events(new_events(3))
            marks = new.recorder.select_checkpoints()
            assert [(c.position, c.kind) for c in marks] == [
                (10, "periodic"),
                (20, "periodic"),
                (25, "legacy"),
            ]
            verdict = ledger.verify(new.recorder)
            assert verdict.intact, verdict.reason
            assert verdict.position == 28
            new.tamper(
                [f"UPDATE {new.table} SET topic = 'x' WHERE notification_id = 4"]
            )
            verdict = ledger.verify(new.recorder)
            assert (verdict.intact, verdict.position) == (False, 10)
