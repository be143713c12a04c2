"""Where views keep their tables and positions, on either store.

PostgreSQL: schema ``projections``, table ``<view>_<table>``. SQLite: tables
``projections_<view>_<table>`` in the engine's file. A rebuild writes
``..._rebuild`` tables beside the live ones, then ``swap`` replaces the live
tables and position in one transaction: readers see the old view or the new
one, never a half-built one. Rebuilt tables catch up without the view's
``query_indexes`` (no handler reads through them); ``complete`` builds them
in bulk once the rows are in (on PostgreSQL it also ``ANALYZE``s them), and
the swap gives every index its live name (PostgreSQL renames it; SQLite,
which cannot, builds it again). A view's
``setup`` DDL runs after its tables and indexes are created (on rebuilt
tables once their rows are in), each
statement under a savepoint: one that fails (an extension the database cannot
create) is logged and skipped, and the view works without it. Positions live
in ``positions`` (PostgreSQL) or ``projections_positions`` (SQLite), written in
the same transaction as rows.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from infra.pg_copy import CopyCursor
from infra.pg_datastore import PgDatastore, quote_ident
from infra.pg_schema import DDL_LOCK_KEY
from infra.sqlite import write_lock
from projections.view import Cursor, View

logger = logging.getLogger(__name__)

SHADOW = "__rebuild"


class Names:
    """``{table}`` placeholders of one view made concrete (live or shadow)."""

    def __init__(self, store: ViewStore, view: type[View], *, shadow: bool) -> None:
        suffix = SHADOW if shadow else ""
        self.shadow = shadow
        self.mapping = {
            t: store.qualified(f"{view.name}_{t}{suffix}") for t in view.tables
        }
        self._made: dict[str, str] = {}  # views send few distinct statements

    def sql(self, statement: str) -> str:
        made = self._made.get(statement)
        if made is None:
            made = self._made[statement] = statement.format(**self.mapping)
        return made


class ViewStore(ABC):
    kind: str
    positions: str

    @abstractmethod
    def qualified(self, table: str) -> str: ...

    @abstractmethod
    def transaction(self) -> Any: ...

    def reading(self) -> Any:
        """A transaction for reads only: what the queries and ``position``
        use (on SQLite it takes no write lock; see there)."""
        return self.transaction()

    @abstractmethod
    def _rename(self, cursor: Cursor, old: str, new: str) -> None: ...

    def names(self, view: type[View], *, shadow: bool = False) -> Names:
        return Names(self, view, shadow=shadow)

    def create(self, view: type[View], *, shadow: bool = False) -> None:
        with self.transaction() as cursor:
            self._ddl_lock(cursor)
            self._create(cursor, view, shadow=shadow)

    def _ddl_lock(self, cursor: Cursor) -> None:  # noqa: B027  (SQLite: none)
        """Serialises DDL across processes (two starting on an empty
        database race on ``CREATE ... IF NOT EXISTS``); SQLite's write lock
        does it already."""

    def _create(self, cursor: Cursor, view: type[View], *, shadow: bool) -> None:
        names = self.names(view, shadow=shadow)
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.positions} (name TEXT PRIMARY KEY,"
            " position BIGINT NOT NULL)"
        )
        for table, columns in view.tables.items():
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {names.mapping[table]} ({columns})"
            )
        later = view.query_indexes if shadow else frozenset()
        self._indexes(cursor, view, names, [i for i in view.indexes if i not in later])
        if not shadow:  # a rebuild gets it once loaded: ``complete``
            self.complete(view, cursor=cursor)

    def _indexes(
        self, cursor: Cursor, view: type[View], names: Names, indexes: list[str]
    ) -> None:
        suffix = SHADOW if names.shadow else ""
        for index in indexes:
            name = quote_ident(f"{self.prefix}{view.name}_{index}{suffix}")
            target = names.sql(view.indexes[index])
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    def complete(
        self, view: type[View], *, shadow: bool = False, cursor: Cursor | None = None
    ) -> None:
        """Runs the view's ``setup`` DDL on its tables. Rebuilt tables get it
        once their rows are in (an index built in bulk rather than kept up
        row by row), before the swap, after their ``query_indexes``; a swap
        runs it too, for what is left."""
        if cursor is None:
            with self.transaction() as own:
                self._ddl_lock(own)
                self.complete(view, shadow=shadow, cursor=own)
            return
        names = self.names(view, shadow=shadow)
        if shadow:
            self._indexes(cursor, view, names, sorted(view.query_indexes))
        for statement in view.setup(self.kind):
            self._attempt(cursor, view, names.sql(statement))
        if shadow:
            self._analyze(cursor, names)

    def _analyze(self, cursor: Cursor, names: Names) -> None:  # noqa: B027
        """Planner statistics for rebuilt tables, so that queries on them
        are planned well from the swap on (SQLite: none kept)."""

    def _attempt(self, cursor: Cursor, view: type[View], statement: str) -> None:
        """Runs ``statement``; if it fails, only it is rolled back."""
        cursor.execute("SAVEPOINT view_setup")
        try:
            cursor.execute(statement)
        except Exception as e:
            cursor.execute("ROLLBACK TO SAVEPOINT view_setup")
            first_line = (str(e).strip().splitlines() or [type(e).__name__])[0]
            logger.warning("view %s: setup skipped: %s", view.name, first_line)
        cursor.execute("RELEASE SAVEPOINT view_setup")

    prefix = ""

    def single_read(self) -> Any:
        """Where one read statement runs (``position``: read-your-writes and
        status ask it often)."""
        return self.reading()

    def position(self, name: str) -> int:
        with self.single_read() as cursor:
            cursor.execute(
                f"SELECT position FROM {self.positions} WHERE name = %s", [name]
            )
            row = cursor.fetchone()
        return int(row[0]) if row else 0

    lock_clause = ""

    def lock_position(self, cursor: Cursor, name: str) -> int:
        """The stored position, locked until the transaction ends (its row is
        made, at 0, the first time: then there was nothing to lock)."""
        select = f"SELECT position FROM {self.positions} WHERE name = %s"
        cursor.execute(select + self.lock_clause, [name])
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                f"INSERT INTO {self.positions} (name, position) VALUES (%s, 0)"
                " ON CONFLICT (name) DO NOTHING",
                [name],
            )
            cursor.execute(select + self.lock_clause, [name])
            row = cursor.fetchone()
        return int(row[0]) if row else 0

    def save_position(self, cursor: Cursor, name: str, position: int) -> None:
        cursor.execute(
            f"INSERT INTO {self.positions} (name, position) VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            [name, position],
        )

    def drop(self, view: type[View], *, shadow: bool) -> None:
        with self.transaction() as cursor:
            self._ddl_lock(cursor)
            for table in self.names(view, shadow=shadow).mapping.values():
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            name = view.name + (SHADOW if shadow else "")
            cursor.execute(f"DELETE FROM {self.positions} WHERE name = %s", [name])

    def swap(self, view: type[View]) -> None:
        """The rebuilt tables and position replace the live ones, atomically."""
        live, shadow = self.names(view).mapping, self.names(view, shadow=True).mapping
        with self.transaction() as cursor:
            self._ddl_lock(cursor)
            for table in view.tables:
                cursor.execute(f"DROP TABLE IF EXISTS {live[table]}")
                self._rename(cursor, shadow[table], f"{view.name}_{table}")
            for index in view.indexes:
                self._adopt_index(cursor, f"{view.name}_{index}")
            self._create(cursor, view, shadow=False)  # what is missing, live names
            cursor.execute(
                f"SELECT position FROM {self.positions} WHERE name = %s",
                [view.name + SHADOW],
            )
            row = cursor.fetchone()
            self.save_position(cursor, view.name, int(row[0]) if row else 0)
            cursor.execute(
                f"DELETE FROM {self.positions} WHERE name = %s", [view.name + SHADOW]
            )

    def _adopt_index(self, cursor: Cursor, index: str) -> None:
        """The rebuilt table's copy of ``index`` under the live name, or
        dropped for ``_create`` to build again (SQLite cannot rename one)."""
        cursor.execute(f"DROP INDEX IF EXISTS {self.qualified_index(index + SHADOW)}")

    def qualified_index(self, index: str) -> str:
        return self.qualified(index)

    def close(self) -> None:  # noqa: B027  (SQLite holds none between calls)
        """Closes connections the store holds."""


class PgViewStore(ViewStore):
    kind = "postgres"
    lock_clause = " FOR UPDATE"

    def __init__(self, datastore: PgDatastore, schema: str = "projections") -> None:
        self.datastore = datastore
        self.schema = schema
        self.positions = self.qualified("positions")
        with datastore.transaction() as cursor:
            self._ddl_lock(cursor)
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")

    def _ddl_lock(self, cursor: Cursor) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK_KEY,))

    def qualified(self, table: str) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(table)}"

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self.datastore.transaction(CopyCursor) as cursor:
            yield cursor

    def _rename(self, cursor: Cursor, old: str, new: str) -> None:
        cursor.execute(f"ALTER TABLE {old} RENAME TO {quote_ident(new)}")

    def single_read(self) -> Any:
        """An autocommit cursor: one statement, one round trip (not three)."""
        return self.datastore.cursor()

    def _analyze(self, cursor: Cursor, names: Names) -> None:
        for table in names.mapping.values():
            cursor.execute(f"ANALYZE {table}")  # a bounded sample of each

    def _adopt_index(self, cursor: Cursor, index: str) -> None:
        cursor.execute(
            f"ALTER INDEX IF EXISTS {self.qualified_index(index + SHADOW)}"
            f" RENAME TO {quote_ident(index)}"
        )

    def close(self) -> None:
        self.datastore.close()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class _SQLiteCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(sql.replace("%s", "?"), [_sqlite_value(p) for p in params])

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.cursor.executemany(
            sql.replace("%s", "?"), [[_sqlite_value(p) for p in row] for row in rows]
        )

    def fetchone(self) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.cursor.fetchone()
        return row

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self.cursor.fetchall())


class SQLiteViewStore(ViewStore):
    """Views in the engine's SQLite file (WAL mode), each thread on a
    connection of its own, kept between transactions.

    - ``transaction`` (the runners' batches, DDL) takes SQLite's write lock
      up front (``BEGIN IMMEDIATE``), after this process's lock on the file
      (``infra.sqlite.write_lock``, shared with the event store): waiting
      in-process is a hand-off, not SQLite's sleeping busy handler. A batch
      holding it must never wait for the event store's writer pool (it reads
      events from the read pool only; see ``infra.sqlite.ReadWriteDatastore``
      for the lock order).
    - ``reading`` is a snapshot that takes no lock a writer needs.
    - Commits are not flushed to disk one by one (``synchronous=NORMAL``):
      a power cut can lose a view's last batches, rows and position
      together, and the runner applies them again from the log (whose
      writes are flushed).
    """

    kind = "sqlite"
    prefix = "projections_"

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.positions = self.qualified("positions")
        self._lock = write_lock(self.path)
        self._local = threading.local()

    def qualified(self, table: str) -> str:
        return quote_ident(f"projections_{table}")

    def qualified_index(self, index: str) -> str:
        return quote_ident(f"projections_{index}")

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self._lock, self._session("BEGIN IMMEDIATE", "COMMIT") as cursor:
            yield cursor

    @contextmanager
    def reading(self) -> Iterator[Cursor]:
        with self._session("BEGIN", "ROLLBACK") as cursor:
            yield cursor

    @contextmanager
    def _session(self, begin: str, end: str) -> Iterator[Cursor]:
        """On the thread's connection, or, inside another of the thread's
        transactions, on one of its own. A failed transaction closes its
        connection (which rolls back whatever it left open)."""
        kept: sqlite3.Connection | None = getattr(self._local, "conn", None)
        nested = kept is not None and kept.in_transaction
        conn = self._connect() if kept is None or nested else kept
        if not nested:
            self._local.conn = conn
        try:
            conn.execute(begin)
            yield _SQLiteCursor(conn.cursor())
            conn.execute(end)
        except BaseException:
            if not nested:
                self._local.conn = None
            conn.close()
            raise
        if nested:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def close(self) -> None:
        """Closes this thread's connection (another thread's closes when
        that thread ends)."""
        conn, self._local.conn = getattr(self._local, "conn", None), None
        if conn is not None:
            conn.close()

    def _rename(self, cursor: Cursor, old: str, new: str) -> None:
        cursor.execute(f"ALTER TABLE {old} RENAME TO {self.qualified(new)}")
