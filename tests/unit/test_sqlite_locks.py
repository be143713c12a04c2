"""The lock order on the embedded store: reads never queue behind writers.

A view runner's batch holds SQLite's write lock while it reads the events it
applies; if that read waited behind writers queued in the writer pool, and
the writer holding the pool's writer lock waited for SQLite's lock, they
would all wait out the timeouts (the 503s of concurrent writes)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from eventsourcing.persistence import ApplicationRecorder

from infra.sqlite import Factory, ReadWriteDatastore
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
