"""A side connection that owns the benchmark schemas, apart from every store."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import psycopg2
from psycopg2 import sql

# Never wait forever behind a contender that still holds a lock.
LOCK_TIMEOUT = "10s"
SERVER_SETTINGS = (
    "server_version",
    "synchronous_commit",
    "fsync",
    "wal_sync_method",
    "shared_buffers",
)


class Admin:
    """Autocommit psycopg2 connection for DDL and row counts."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg2.connect(url)
        self.conn.autocommit = True
        self._execute("SET lock_timeout = %s", (LOCK_TIMEOUT,))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.conn.close()

    def _execute(
        self, statement: str | sql.Composable, params: tuple[object, ...] = ()
    ) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def recreate_schemas(self, schemas: list[str]) -> None:
        self.drop_schemas(schemas)
        for schema in schemas:
            self._execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))

    def drop_schemas(self, schemas: list[str]) -> None:
        for schema in schemas:
            statement = sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE")
            self._execute(statement.format(sql.Identifier(schema)))

    def tables(self, schema: str) -> list[str]:
        rows = self._execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1",
            (schema,),
        )
        return [str(row[0]) for row in rows]

    def count_rows(self, schema: str) -> int:
        """Rows over all tables of `schema` (a store keeps its events in one),
        less sfa's ledger checkpoints (one per 1,000 events: not events)."""
        total = 0
        for table in self.tables(schema):
            if table.endswith("_checkpoints"):
                continue
            statement = sql.SQL("SELECT count(*) FROM {}")
            rows = self._execute(statement.format(sql.Identifier(schema, table)))
            total += int(rows[0][0])
        return total

    def server_info(self) -> dict[str, str]:
        info = {"version": str(self._execute("SELECT version()")[0][0])}
        for name in SERVER_SETTINGS:
            statement = sql.SQL("SHOW {}").format(sql.Identifier(name))
            info[name] = str(self._execute(statement)[0][0])
        return info
