"""The embedded default: ``eventsourcing.sqlite`` plus what it lacks.

``PERSISTENCE_MODULE=infra.sqlite:Factory`` with ``SQLITE_DBNAME`` a file path
(its folder is created if absent; WAL mode, set by the library).

What this adds, and must hold:

- ``subscribe()``: the library's SQLite recorder has none. A subscription is
  woken at once by writers in this process, and polls every
  ``SFA_DB_POLL_INTERVAL`` seconds (default 1) for writers in other processes.
- The events table accepts inserts only: triggers refuse UPDATE and DELETE.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from eventsourcing.persistence import (
    ApplicationRecorder,
    ListenNotifySubscription,
    Mapper,
    StoredEvent,
    Subscription,
    Transcoder,
)
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteFactory,
    SQLiteProcessRecorder,
)
from eventsourcing.utils import Environment, EnvType

from infra.personal_keys import SQLiteKeyTable, sealing_mapper

R = TypeVar("R", bound=ApplicationRecorder)

_subscribers: dict[str, set[threading.Event]] = defaultdict(set)
_subscribers_lock = threading.Lock()


def _wake(db_name: str) -> None:
    with _subscribers_lock:
        for event in _subscribers[db_name]:
            event.set()


class SQLiteSubscription(ListenNotifySubscription["SubscribableSQLiteRecorder"]):
    def __init__(
        self,
        recorder: SubscribableSQLiteRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._db_name = recorder.db_name
        with _subscribers_lock:
            _subscribers[self._db_name].add(self._has_been_notified)
        self._poll_interval = recorder.poll_interval
        self._poll_thread = threading.Thread(target=self._poll, daemon=True)
        self._poll_thread.start()

    def stop(self) -> None:
        with _subscribers_lock:
            _subscribers[self._db_name].discard(self._has_been_notified)
        super().stop()

    def __exit__(self, *args: object, **kwargs: Any) -> None:
        try:
            super().__exit__(*args, **kwargs)
        finally:
            self._poll_thread.join()

    def _poll(self) -> None:
        stopped = threading.Event()
        while not self._has_been_stopped:
            stopped.wait(self._poll_interval)
            self._has_been_notified.set()


class SubscribableSQLiteRecorder(SQLiteApplicationRecorder):
    """The library's recorder, made insert-only, with a subscription."""

    db_name = ""
    poll_interval = 1.0

    def construct_create_table_statements(self) -> list[str]:
        table = self.events_table_name
        refuse = "SELECT RAISE(ABORT, 'stored events are immutable')"
        return [
            *super().construct_create_table_statements(),
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE"
            f" ON {table} BEGIN {refuse}; END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE"
            f" ON {table} BEGIN {refuse}; END",
            f"CREATE TABLE IF NOT EXISTS {table}_idempotency ("
            " key TEXT PRIMARY KEY, request_hash TEXT NOT NULL,"
            " response TEXT NOT NULL, position INTEGER NOT NULL,"
            " recorded_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Records an ``idempotency`` reply in the same transaction, with the
        position of the last event (the head if there are none)."""
        ids = super()._insert_events(c, stored_events, **kwargs)
        reply = kwargs.get("idempotency")
        if reply is not None:
            position = ids[-1] if ids else self._max_notification_id(c) or 0
            c.execute(
                f"INSERT INTO {self.events_table_name}_idempotency"
                " (key, request_hash, response, position) VALUES (?, ?, ?, ?)",
                (reply["key"], reply["request_hash"], json.dumps(reply), position),
            )
        return ids

    def select_idempotency(self, key: str) -> dict[str, Any] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT response, position FROM {self.events_table_name}_idempotency"
                " WHERE key = ?",
                (key,),
            )
            row = c.fetchone()
        return {**json.loads(row[0]), "position": row[1]} if row else None

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super().insert_events(stored_events, **kwargs)
        if stored_events:
            _wake(self.db_name)
        return ids

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        return SQLiteSubscription(recorder=self, gt=gt, topics=topics)


class SubscribableSQLiteProcessRecorder(
    SubscribableSQLiteRecorder, SQLiteProcessRecorder
):
    pass


class Factory(SQLiteFactory):
    POLL_INTERVAL = "SFA_DB_POLL_INTERVAL"

    application_recorder_class = SubscribableSQLiteRecorder
    process_recorder_class = SubscribableSQLiteProcessRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        env = env if isinstance(env, Environment) else Environment(env=env)
        db_name = env.get(self.SQLITE_DBNAME) or ""
        if db_name and ":memory:" not in db_name and "mode=memory" not in db_name:
            Path(db_name).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(env)
        self.db_name = db_name
        self.poll_interval = float(self.env.get(self.POLL_INTERVAL) or 1.0)

    def mapper(
        self,
        transcoder: Transcoder | None = None,
        mapper_class: type[Mapper[Any]] | None = None,
    ) -> Mapper[Any]:
        """Seals personal data (``infra.personal_data``) unless a mapper
        class is named."""
        if mapper_class is not None or self.env.get(self.MAPPER_TOPIC):
            return super().mapper(transcoder, mapper_class)
        table = SQLiteKeyTable(
            self.datastore, events="stored_events", keys="personal_keys"
        )
        create = self.env_create_table()
        return sealing_mapper(self, table, transcoder, create=create)

    def application_recorder(self) -> ApplicationRecorder:
        return self._configured(super().application_recorder())

    def process_recorder(self) -> SQLiteProcessRecorder:
        recorder = self._configured(super().process_recorder())
        assert isinstance(recorder, SQLiteProcessRecorder)
        return recorder

    def _configured(self, recorder: R) -> R:
        if isinstance(recorder, SubscribableSQLiteRecorder):
            recorder.db_name = self.db_name
            recorder.poll_interval = self.poll_interval
        return recorder
