"""The embedded default: ``eventsourcing.sqlite`` plus what it lacks.

``PERSISTENCE_MODULE=infra.sqlite:Factory`` with ``SQLITE_DBNAME`` a file path
(its folder is created if absent; WAL mode, set by the library).

What this adds, and must hold:

- ``subscribe()``: the library's SQLite recorder has none. A subscription is
  woken at once by writers in this process, and polls every
  ``SFA_DB_POLL_INTERVAL`` seconds (default 1) for writers in other processes.
- The events table accepts inserts only: triggers refuse UPDATE and DELETE.
- Readers never queue behind writers in this process: reads take their
  connections from a pool of their own (``ReadWriteDatastore``); see there
  for the lock order this keeps.
- Every event is sealed into the ledger's hash chain (``infra.ledger``) in
  the write transaction that numbers it (the library's writer lock orders
  writers in a process; another process's write in between makes the
  transaction fail, never fork the chain). Positions are the rowids.
"""

from __future__ import annotations

import json
import os
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import (
    ApplicationRecorder,
    DataError,
    ListenNotifySubscription,
    Mapper,
    Notification,
    StoredEvent,
    Subscription,
    Tracking,
    Transcoder,
)
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
    SQLiteProcessRecorder,
    SQLiteTrackingRecorder,
)
from eventsourcing.utils import Environment, EnvType

from infra.ledger import (
    CHECKPOINT_ENV,
    CHECKPOINT_EVERY,
    GENESIS,
    Checkpoint,
    SealedRow,
    canonical,
    chain,
    due_checkpoints,
    seal,
)
from infra.personal_keys import SQLiteKeyTable, sealing_mapper

R = TypeVar("R", bound=ApplicationRecorder)

_subscribers: dict[str, set[threading.Event]] = defaultdict(set)
_subscribers_lock = threading.Lock()


_write_locks: dict[str, threading.RLock] = {}


def write_lock(db_name: str) -> threading.RLock:
    """The lock this process's writers to one SQLite file take before
    SQLite's own: the event store's and the views'. Waiting here is a
    hand-off; waiting in SQLite's busy handler sleeps (up to 100 ms a time).
    Re-entrant: a thread never waits for itself here."""
    key = db_name if ":memory:" in db_name else os.path.realpath(db_name)
    with _subscribers_lock:
        return _write_locks.setdefault(key, threading.RLock())


def _wake(db_name: str) -> None:
    with _subscribers_lock:
        for event in _subscribers[db_name]:
            event.set()


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _sealed_row(p: int, i: Any, v: Any, t: Any, s: Any, h: Any) -> SealedRow:
    """A row as stored, whatever was written into it: SQLite keeps any type
    in any column, and a tampered value must be reported, never crash."""
    try:
        originator_id = _uuid(i)
    except ValueError:
        originator_id = UUID(int=0)
    version = v if isinstance(v, int) else -1
    return SealedRow(p, originator_id, version, str(t), _bytes(s), h and _bytes(h))


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


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
    """The library's recorder, made insert-only, sealed into the ledger, with
    a subscription."""

    db_name = ""
    poll_interval = 1.0
    checkpoint_every = CHECKPOINT_EVERY

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
            f"CREATE TABLE IF NOT EXISTS {table}_checkpoints ("
            " position INTEGER PRIMARY KEY, hash BLOB NOT NULL,"
            " kind TEXT NOT NULL DEFAULT 'periodic',"
            " recorded_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
            f"CREATE TRIGGER IF NOT EXISTS {table}_checkpoints_no_update BEFORE"
            f" UPDATE ON {table}_checkpoints BEGIN {refuse}; END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_checkpoints_no_delete BEFORE"
            f" DELETE ON {table}_checkpoints BEGIN {refuse}; END",
        ]

    def _create_table(self, c: SQLiteCursor) -> None:
        """Adds the ledger's ``hash`` column to a table made before it (its
        rows are sealed by the next write: see ``infra.ledger``)."""
        super()._create_table(c)
        c.execute(f"PRAGMA table_info({self.events_table_name})")
        if "hash" not in {row[1] for row in c.fetchall()}:
            c.execute(f"ALTER TABLE {self.events_table_name} ADD COLUMN hash BLOB")

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Numbers and seals the events; records a ``tracking`` position and an
        ``idempotency`` reply in the same transaction, the reply with the
        position of the last event (the head if there are none).

        The write lock is taken before the head is read: the library opened a
        deferred transaction, and one that reads and then writes fails at
        once ("database is locked", no busy wait) if another connection
        (the views') wrote in between."""
        c.execute("ROLLBACK")  # nothing done yet in the library's BEGIN
        c.execute("BEGIN IMMEDIATE")  # waits for the lock (busy timeout)
        ids = self._insert_sealed(c, stored_events)
        tracking: Tracking | None = kwargs.get("tracking")
        if tracking is not None and isinstance(self, SQLiteTrackingRecorder):
            self._insert_tracking(c, tracking)
        reply = kwargs.get("idempotency")
        if reply is not None:
            position = ids[-1] if ids else self._max_notification_id(c) or 0
            c.execute(
                f"INSERT INTO {self.events_table_name}_idempotency"
                " (key, request_hash, response, position) VALUES (?, ?, ?, ?)",
                (reply["key"], reply["request_hash"], json.dumps(reply), position),
            )
        return ids

    def _insert_sealed(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent]
    ) -> list[int]:
        if not stored_events:
            return []
        table = self.events_table_name
        c.execute(f"SELECT rowid, hash FROM {table} ORDER BY rowid DESC LIMIT 1")
        row = c.fetchone()
        head, previous = (row[0], row[1]) if row else (0, GENESIS)
        if row is None:  # the ledger begins with the log
            c.execute(
                f"INSERT OR IGNORE INTO {table}_checkpoints (position, hash, kind)"
                " VALUES (0, ?, 'genesis')",
                (GENESIS,),
            )
        elif previous is None:
            previous = self._unsealed_head(c, head)
        rows = [
            (_uuid(e.originator_id), e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        hashes = seal(previous, head, rows)
        c.executemany(
            f"INSERT INTO {table} (rowid, originator_id, originator_version, topic,"
            " state, hash) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (head + n, i.hex, v, t, s, h)
                for n, ((i, v, t, s), h) in enumerate(
                    zip(rows, hashes, strict=True), start=1
                )
            ],
        )
        due = due_checkpoints(head, len(rows), self.checkpoint_every)
        c.executemany(
            f"INSERT INTO {table}_checkpoints (position, hash) VALUES (?, ?)",
            [(head + n + 1, hashes[n]) for n in due],
        )
        return list(range(head + 1, head + len(rows) + 1))

    def _unsealed_head(self, c: SQLiteCursor, head: int) -> bytes:
        """The hash to chain on from a head row without one: its checkpoint's,
        or, on a log from before the ledger, the legacy seal. A head without
        a hash after the ledger began was not written here: refused."""
        table = self.events_table_name
        c.execute(f"SELECT position, hash FROM {table}_checkpoints")
        marks = dict(c.fetchall())
        if head in marks:
            return bytes(marks[head])
        if marks:
            msg = (
                f"ledger: the last event (position {head}) has no hash; it was"
                " not recorded by this store. Run sfa audit verify"
            )
            raise DataError(msg)
        return self._seal_legacy(c, head)

    def _seal_legacy(self, c: SQLiteCursor, upto: int) -> bytes:
        """Chains the rows recorded before the ledger; a ``legacy`` checkpoint
        at the last of them keeps their hash."""
        table = self.events_table_name
        c.execute(
            f"SELECT rowid, originator_id, originator_version, topic, state"
            f" FROM {table} WHERE rowid <= ? ORDER BY rowid",
            (upto,),
        )
        h = GENESIS
        for p, i, v, t, s in c.fetchall():
            h = chain(h, p, _uuid(i), v, t, s)
        c.execute(
            f"INSERT OR IGNORE INTO {table}_checkpoints (position, hash, kind)"
            " VALUES (?, ?, 'legacy')",
            (upto, h),
        )
        return h

    def select_stream(self, originator_id: UUID) -> list[Notification]:
        """Every event of one aggregate, in version order, with its position."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT rowid, originator_id, originator_version, topic, state"
                f" FROM {self.events_table_name} WHERE originator_id = ?"
                " ORDER BY originator_version",
                (originator_id.hex,),
            )
            return [
                Notification(
                    id=p, originator_id=_uuid(i), originator_version=v, topic=t, state=s
                )
                for p, i, v, t, s in c.fetchall()
            ]

    def select_sealed(self, after: int, stop: int, limit: int) -> list[SealedRow]:
        """Rows above ``after`` up to ``stop`` with their stored hashes."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT rowid, originator_id, originator_version, topic, state, hash"
                f" FROM {self.events_table_name} WHERE rowid > ? AND rowid <= ?"
                " ORDER BY rowid LIMIT ?",
                (after, stop, limit),
            )
            return [_sealed_row(*row) for row in c.fetchall()]

    def select_canonical(
        self, after: int, stop: int, limit: int
    ) -> list[tuple[int, bytes, bytes | None]]:
        """(position, canonical bytes, stored hash) of the rows as stored."""
        return [
            (
                r.position,
                canonical(r.position, r.originator_id, r.version, r.topic, r.state),
                r.hash,
            )
            for r in self.select_sealed(after, stop, limit)
        ]

    def select_checkpoints(self, after: int = 0, limit: int = 1000) -> list[Checkpoint]:
        """The ledger's checkpoints above ``after``, in position order."""
        return self._checkpoints(
            "WHERE position > ? ORDER BY position LIMIT ?", (after, limit)
        )

    def last_checkpoint(self, upto: int) -> Checkpoint | None:
        found = self._checkpoints(
            "WHERE position <= ? ORDER BY position DESC LIMIT 1", (upto,)
        )
        return found[0] if found else None

    def _checkpoints(self, where: str, params: tuple[Any, ...]) -> list[Checkpoint]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT position, hash, kind, recorded_at"
                f" FROM {self.events_table_name}_checkpoints {where}",
                params,
            )
            return [Checkpoint(p, h, k, r) for p, h, k, r in c.fetchall()]

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
        with write_lock(self.db_name):
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


class ReadWriteDatastore(SQLiteDatastore):
    """The library's datastore with reads served by a second pool.

    The lock order that must hold, in-process, on one SQLite file: the pool's
    writer lock, then SQLite's write lock; a thread holding SQLite's write
    lock never waits for the writer pool. The library's pool breaks it when
    readers share it with writers: a writer waiting for the writer lock holds
    the pool's queue (a semaphore), and a view runner's batch, which holds
    SQLite's write lock (``SQLiteViewStore``, ``BEGIN IMMEDIATE``), waits in
    that queue to read the events it applies, while the writer holding the
    writer lock waits for SQLite's lock: writers stall for the 5 s timeouts
    and answer 503. Reads here never touch the writer pool, and waiting for
    a read connection waits only for other readers, which in WAL mode hold
    no lock a writer needs. In-memory databases keep the one pool (the
    library makes reads and writes exclusive there)."""

    def __init__(self, db_name: str, **kwargs: Any) -> None:
        super().__init__(db_name, **kwargs)
        self.read_pool: SQLiteConnectionPool | None = None
        if not SQLiteConnectionPool.detect_memory_mode(db_name):
            self.read_pool = SQLiteConnectionPool(
                db_name=db_name, lock_timeout=kwargs.get("lock_timeout")
            )

    @contextmanager
    def get_connection(self, *, commit: bool) -> Iterator[SQLiteConnection]:
        pool = self.read_pool
        if commit or pool is None:
            with super().get_connection(commit=commit) as conn:
                yield conn
            return
        conn = pool.get_connection(is_writer=False)
        try:
            yield conn
        finally:
            pool.put_connection(conn)

    def close(self) -> None:
        super().close()
        if self.read_pool is not None:
            self.read_pool.close()


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
        library = self.datastore  # no connection opened yet: replaced
        self.datastore = ReadWriteDatastore(
            db_name=db_name,
            lock_timeout=library.pool.lock_timeout,
            single_row_tracking=library.single_row_tracking,
            originator_id_type=library.originator_id_type,
        )
        library.close()
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
            every = self.env.get(CHECKPOINT_ENV)
            if every:
                recorder.checkpoint_every = max(int(every), 1)
        return recorder
