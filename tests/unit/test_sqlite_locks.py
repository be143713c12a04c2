"""The lock order on the embedded store: reads never queue behind writers.

A view runner's batch holds SQLite's write lock while it reads the events it
applies; if that read waited behind writers queued in the writer pool, and
the writer holding the pool's writer lock waited for SQLite's lock, they
would all wait out the timeouts (the 503s of concurrent writes)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import ApplicationRecorder, StoredEvent

from infra.sqlite import Factory, ReadWriteDatastore, SubscribableSQLiteRecorder
from infra.view_store import SQLiteViewStore
from tests.unit.test_sqlite_recorder import sqlite_factory


def test_a_read_is_served_while_writers_hold_and_queue_for_the_writer_pool(
    tmp_path: Path,
) -> None:
    factory = sqlite_factory(tmp_path / "sfa.db")
    recorder = factory.application_recorder()
    assert isinstance(recorder, ApplicationRecorder)
    datastore = factory.datastore
    assert isinstance(datastore, ReadWriteDatastore)
    holding, release = threading.Event(), threading.Event()

    def hold_the_writer() -> None:
        with datastore.get_connection(commit=True):
            holding.set()
            release.wait(10)

    def queue_for_the_writer() -> None:
        with datastore.get_connection(commit=True):
            pass

    threads = [threading.Thread(target=hold_the_writer)]
    threads[0].start()
    assert holding.wait(5)
    threads.append(threading.Thread(target=queue_for_the_writer))
    threads[1].start()
    time.sleep(0.1)  # the second writer waits, holding the pool's queue
    try:
        started = time.monotonic()
        assert recorder.max_notification_id() in (None, 0)
        assert time.monotonic() - started < 1.0
    finally:
        release.set()
        for thread in threads:
            thread.join()
        factory.close()


def test_an_in_memory_store_keeps_the_one_pool() -> None:
    factory = Factory({"SQLITE_DBNAME": ":memory:"})
    datastore = factory.datastore
    assert isinstance(datastore, ReadWriteDatastore)
    assert datastore.read_pool is None
    factory.close()


def view_store(path: Path) -> SQLiteViewStore:
    """A view store with its positions table (what ``create`` makes first)."""
    store = SQLiteViewStore(path)
    with store.transaction() as cursor:
        cursor.execute(
            f"CREATE TABLE {store.positions} (name TEXT PRIMARY KEY,"
            " position BIGINT NOT NULL)"
        )
    return store


def test_view_reads_wait_for_no_writer(tmp_path: Path) -> None:
    """Queries and ``position`` read a snapshot: a writer holding SQLite's
    write lock (here another process's, as a connection of its own) does not
    hold them up."""
    path = tmp_path / "sfa.db"
    store = view_store(path)
    with store.transaction() as cursor:
        store.save_position(cursor, "history", 7)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        assert store.position("history") == 7
        with store.reading() as cursor:
            cursor.execute(f"SELECT count(*) FROM {store.positions}")
            assert cursor.fetchone() == (1,)
        assert time.monotonic() - started < 1.0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        store.close()


def test_a_view_batch_and_an_event_write_take_turns_in_process(
    tmp_path: Path,
) -> None:
    """The event store's write waits for a view's batch in this process on
    the file's lock, however long the batch: not in SQLite's busy handler,
    which gives up after its timeout ("database is locked")."""
    path = tmp_path / "sfa.db"
    factory = Factory(
        {"SQLITE_DBNAME": str(path), "SQLITE_LOCK_TIMEOUT": "1"}  # seconds
    )
    recorder = factory.application_recorder()
    assert isinstance(recorder, SubscribableSQLiteRecorder)
    recorder.create_table()
    store = view_store(path)
    holding, done = threading.Event(), threading.Event()

    def batch() -> None:
        with store.transaction() as cursor:
            store.lock_position(cursor, "history")
            holding.set()
            time.sleep(1.5)  # longer than the busy timeout
        done.set()

    thread = threading.Thread(target=batch)
    thread.start()
    try:
        assert holding.wait(5)
        event = StoredEvent(uuid4(), 1, "tests:Event", b"{}")
        assert recorder.insert_events([event]) == [1]
        assert done.is_set()  # it went in once the batch had committed
    finally:
        thread.join()
        factory.close()


def test_a_view_store_outlives_failed_and_nested_transactions(tmp_path: Path) -> None:
    store = view_store(tmp_path / "sfa.db")
    with pytest.raises(sqlite3.OperationalError), store.transaction() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    with store.transaction() as cursor:
        store.lock_position(cursor, "history")
        store.save_position(cursor, "history", 3)
        assert store.position("history") == 0  # its own snapshot: not yet
    assert store.position("history") == 3
    store.close()
