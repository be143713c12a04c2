"""The stores compared by bench_store, each opened on its own schema.

A contender's `open(db, schema)` creates its tables in `schema` (which the
harness has created and will drop) and returns a `Store`; opening may fail,
and the harness then reports the contender as unavailable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg2
import psycopg2.extras
from eventsourcing.persistence import InfrastructureFactory, StoredEvent
from eventsourcing.utils import Environment
from psycopg2 import sql

from benchmarks.store_workload import InsertFn, PageFn


@dataclass(frozen=True)
class Database:
    """The benchmark database, as a libpq URL (postgresql://user@host:port/db)."""

    url: str

    def postgres_env(self) -> dict[str, str]:
        """Connection settings in `eventsourcing.postgres` environment keys."""
        parts = urlsplit(self.url)
        return {
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
        }

    def sqlalchemy_url(self) -> str:
        _, rest = self.url.split("://", 1)
        return f"postgresql+psycopg2://{rest}"


@dataclass(frozen=True)
class Store:
    """What the timed loops call: one save per `insert`, one page per `page`."""

    insert: InsertFn
    page: PageFn
    close: Callable[[], None]


@dataclass(frozen=True)
class Contender:
    key: str
    name: str
    kind: str  # "sfa", "library" (a peer) or "raw" (the ceiling)
    open: Callable[[Database, str], Store]


def open_recorder(env: dict[str, str]) -> Store:
    """An `ApplicationRecorder` from the factory that `env` names."""
    factory = InfrastructureFactory.construct(Environment(env=env))
    try:
        recorder = factory.application_recorder()
    except BaseException:
        close_factory(factory)
        raise

    def page(after: int, limit: int) -> tuple[int, int]:
        notes = recorder.select_notifications(after, limit, inclusive_of_start=False)
        return len(notes), (notes[-1].id if notes else after)

    return Store(recorder.insert_events, page, lambda: close_factory(factory))


def close_factory(factory: InfrastructureFactory[Any]) -> None:
    """Closes the factory, and disposes an SQLAlchemy engine it leaves open."""
    factory.close()
    engine = getattr(getattr(factory, "datastore", None), "engine", None)
    if engine is not None and hasattr(engine, "dispose"):
        engine.dispose()


def open_sfa(db: Database, schema: str) -> Store:
    return open_recorder(
        {
            "PERSISTENCE_MODULE": "infra.postgres:Factory",
            "SFA_DATABASE_URL": db.url,
            "SFA_DB_SCHEMA": schema,
        }
    )


def open_es_postgres(db: Database, schema: str, *, db_functions: bool) -> Store:
    env = db.postgres_env()
    env.update(
        PERSISTENCE_MODULE="eventsourcing.postgres",
        POSTGRES_SCHEMA=schema,
        POSTGRES_ENABLE_DB_FUNCTIONS="y" if db_functions else "n",
        POSTGRES_POOL_SIZE="1",
        POSTGRES_MAX_OVERFLOW="0",
    )
    return open_recorder(env)


def open_es_sqlalchemy(db: Database, schema: str) -> Store:
    return open_recorder(
        {
            "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
            "SQLALCHEMY_URL": db.sqlalchemy_url(),
            "SQLALCHEMY_SCHEMA": schema,
        }
    )


class RawStore:
    """Plain psycopg2 on a default connection: one commit per save.

    The table has the library's columns and keys: primary key
    (originator_id, originator_version), unique index on notification_id.
    """

    def __init__(self, db: Database, schema: str) -> None:
        self.conn = psycopg2.connect(db.url)
        table = sql.Identifier(schema, "stored_events")
        index = sql.Identifier("stored_events_notification_id_idx")
        self.cursor = self.conn.cursor()
        for statement in (_RAW_CREATE_TABLE, _RAW_CREATE_INDEX):
            self.cursor.execute(sql.SQL(statement).format(table=table, index=index))
        self.conn.commit()
        self.insert_one = self._render(_RAW_INSERT.format("(%s, %s, %s, %s)"), table)
        self.insert_many = self._render(_RAW_INSERT.format("%s"), table)
        self.select = self._render(_RAW_SELECT, table)

    def _render(self, statement: str, table: sql.Identifier) -> str:
        return sql.SQL(statement).format(table=table).as_string(self.conn)

    def insert(self, events: Sequence[StoredEvent]) -> None:
        rows = [
            (str(e.originator_id), e.originator_version, e.topic, e.state)
            for e in events
        ]
        if len(rows) == 1:
            self.cursor.execute(self.insert_one, rows[0])
        else:
            psycopg2.extras.execute_values(self.cursor, self.insert_many, rows)
        self.conn.commit()

    def page(self, after: int, limit: int) -> tuple[int, int]:
        self.cursor.execute(self.select, (after, limit))
        rows = self.cursor.fetchall()
        return len(rows), (rows[-1][0] if rows else after)

    def close(self) -> None:
        self.conn.close()


_RAW_CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS {table} ("
    "originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
    "topic text, state bytea, notification_id bigserial, "
    "PRIMARY KEY (originator_id, originator_version))"
)
_RAW_CREATE_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} (notification_id)"
)
_RAW_INSERT = (
    "INSERT INTO {{table}} (originator_id, originator_version, topic, state) VALUES {}"
)
_RAW_SELECT = (
    "SELECT notification_id, originator_id, originator_version, topic, state "
    "FROM {table} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
)


def open_raw(db: Database, schema: str) -> Store:
    store = RawStore(db, schema)
    return Store(store.insert, store.page, store.close)


CONTENDERS = (
    Contender("sfa", "sfa (psycopg2)", "sfa", open_sfa),
    Contender(
        "es_pg",
        "eventsourcing.postgres (psycopg3)",
        "library",
        lambda db, schema: open_es_postgres(db, schema, db_functions=False),
    ),
    Contender(
        "es_pg_fn",
        "eventsourcing.postgres (psycopg3, db functions)",
        "library",
        lambda db, schema: open_es_postgres(db, schema, db_functions=True),
    ),
    Contender(
        "es_sqla", "eventsourcing-sqlalchemy (psycopg2)", "library", open_es_sqlalchemy
    ),
    Contender("raw", "raw psycopg2 (ceiling)", "raw", open_raw),
)
