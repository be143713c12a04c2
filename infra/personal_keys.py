"""The key table of crypto-shredding (``infra.personal_data``), per store.

One row per subject: ``subject_id``, its AES-256 ``key`` (null once
destroyed), ``joined_to`` (the subject this one's data also belongs to: the
contact a lead became), ``created_at`` and ``destroyed_at``. The table sits
beside the events (``<app>_personal_keys`` on PostgreSQL, ``personal_keys``
in the SQLite file) and is the only one a forget changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InfrastructureFactory, Transcoder
from eventsourcing.sqlite import SQLiteDatastore

from infra.personal_data import Keys, PersonalDataMapper, new_key
from infra.pg_datastore import PgDatastore, qualified, quote_ident, retry_on_disconnect
from infra.pg_schema import create_schema

_LAZY = "SET LOCAL synchronous_commit = off; "
"""For a key (or link) made before its event: the event's own commit flushes
the log up to its record, this one's included, so the key is durable
whenever the event is, without a flush of its own."""


def _found(row: Any) -> tuple[bool, bytes | None]:
    if row is None:
        return False, None
    return True, (bytes(row[0]) if row[0] is not None else None)


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


class PgKeyTable:
    def __init__(self, datastore: PgDatastore, *, events: str, keys: str) -> None:
        self.datastore = datastore
        self.events = qualified(datastore.schema, events)
        self.keys = qualified(datastore.schema, keys)
        self.index = quote_ident(f"{keys}_joined_to")

    def create_table(self) -> None:
        """With its schema: the application makes its mapper first."""
        create_schema(
            self.datastore,
            [
                f"CREATE TABLE IF NOT EXISTS {self.keys} ("
                " subject_id uuid PRIMARY KEY, key bytea, joined_to uuid,"
                " created_at timestamptz NOT NULL DEFAULT now(),"
                " destroyed_at timestamptz)",
                f"CREATE INDEX IF NOT EXISTS {self.index} ON {self.keys} (joined_to)",
            ],
        )

    @retry_on_disconnect()
    def fetch_key(self, subject: UUID, *, create: bool) -> tuple[bool, bytes | None]:
        with self.datastore.cursor() as curs:
            if create:
                curs.execute(
                    f"{_LAZY}WITH made AS (INSERT INTO {self.keys} (subject_id, key)"
                    " VALUES (%s, %s) ON CONFLICT (subject_id) DO NOTHING"
                    f" RETURNING key) SELECT key FROM made UNION ALL"
                    f" SELECT key FROM {self.keys} WHERE subject_id = %s",
                    (subject, new_key(), subject),
                )
                row = curs.fetchone()
                if row is not None:
                    return _found(row)
                # another writer made it after this statement's snapshot: the
                # insert saw it (conflict), the select did not; now it does
            curs.execute(
                f"SELECT key FROM {self.keys} WHERE subject_id = %s", (subject,)
            )
            row = curs.fetchone()
        return _found(row)

    @retry_on_disconnect()
    def fetch_keys(
        self, subjects: Sequence[UUID]
    ) -> dict[UUID, tuple[bool, bytes | None]]:
        with self.datastore.cursor() as curs:
            curs.execute(
                f"SELECT subject_id, key FROM {self.keys}"
                " WHERE subject_id = ANY(%s::uuid[])",
                ([str(s) for s in subjects],),
            )
            return {_uuid(row[0]): _found(row[1:]) for row in curs.fetchall()}

    @retry_on_disconnect()
    def destroy(self, subjects: Sequence[UUID]) -> None:
        with self.datastore.cursor() as curs:
            curs.execute(
                f"INSERT INTO {self.keys} AS k (subject_id, key, destroyed_at)"
                " SELECT s, NULL, now() FROM unnest(%s::uuid[]) AS s"
                " ON CONFLICT (subject_id) DO UPDATE SET key = NULL,"
                " destroyed_at = coalesce(k.destroyed_at, now())",
                (list(subjects),),
            )

    @retry_on_disconnect()
    def link(self, subject: UUID, joined: UUID) -> None:
        with self.datastore.cursor() as curs:
            curs.execute(
                f"{_LAZY}INSERT INTO {self.keys} (subject_id, key, joined_to)"
                " VALUES (%s, %s, %s)"
                " ON CONFLICT (subject_id) DO UPDATE SET joined_to = %s",
                (subject, new_key(), joined, joined),
            )

    @retry_on_disconnect()
    def joined_to(self, subject: UUID) -> list[UUID]:
        with self.datastore.cursor() as curs:
            curs.execute(
                f"SELECT subject_id FROM {self.keys} WHERE joined_to = %s"
                " ORDER BY subject_id",
                (subject,),
            )
            return [_uuid(row[0]) for row in curs.fetchall()]

    @retry_on_disconnect()
    def first_state(self, record_id: UUID) -> bytes | None:
        with self.datastore.cursor() as curs:
            curs.execute(
                f"SELECT state FROM {self.events}"
                " WHERE originator_id = %s AND originator_version = 1",
                (record_id,),
            )
            row = curs.fetchone()
        return bytes(row[0]) if row else None


class SQLiteKeyTable:
    """Subject ids are stored as hex, as the library stores originator ids."""

    def __init__(self, datastore: SQLiteDatastore, *, events: str, keys: str) -> None:
        self.datastore = datastore
        self.events = events
        self.keys = keys

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.keys} ("
                " subject_id TEXT PRIMARY KEY, key BLOB, joined_to TEXT,"
                " created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,"
                " destroyed_at TEXT)"
            )
            c.execute(
                f"CREATE INDEX IF NOT EXISTS {self.keys}_joined_to"
                f" ON {self.keys} (joined_to)"
            )

    def fetch_key(self, subject: UUID, *, create: bool) -> tuple[bool, bytes | None]:
        with self.datastore.transaction(commit=create) as c:
            if create:
                c.execute(
                    f"INSERT OR IGNORE INTO {self.keys} (subject_id, key)"
                    " VALUES (?, ?)",
                    (subject.hex, new_key()),
                )
            c.execute(
                f"SELECT key FROM {self.keys} WHERE subject_id = ?", (subject.hex,)
            )
            row = c.fetchone()
        return _found(row)

    def fetch_keys(
        self, subjects: Sequence[UUID]
    ) -> dict[UUID, tuple[bool, bytes | None]]:
        found: dict[UUID, tuple[bool, bytes | None]] = {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(subjects), 500):
                chunk = [s.hex for s in subjects[start : start + 500]]
                marks = ", ".join("?" * len(chunk))
                c.execute(
                    f"SELECT subject_id, key FROM {self.keys}"
                    f" WHERE subject_id IN ({marks})",
                    chunk,
                )
                for subject_id, key in c.fetchall():
                    found[UUID(hex=subject_id)] = _found((key,))
        return found

    def destroy(self, subjects: Sequence[UUID]) -> None:
        with self.datastore.transaction(commit=True) as c:
            for subject in subjects:
                c.execute(
                    f"INSERT INTO {self.keys} (subject_id, key, destroyed_at)"
                    " VALUES (?, NULL, CURRENT_TIMESTAMP)"
                    " ON CONFLICT (subject_id) DO UPDATE SET key = NULL,"
                    " destroyed_at = coalesce(destroyed_at, CURRENT_TIMESTAMP)",
                    (subject.hex,),
                )

    def link(self, subject: UUID, joined: UUID) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT INTO {self.keys} (subject_id, key, joined_to)"
                " VALUES (?, ?, ?)"
                " ON CONFLICT (subject_id) DO UPDATE SET joined_to = ?",
                (subject.hex, new_key(), joined.hex, joined.hex),
            )

    def joined_to(self, subject: UUID) -> list[UUID]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT subject_id FROM {self.keys} WHERE joined_to = ?"
                " ORDER BY subject_id",
                (subject.hex,),
            )
            return [UUID(row[0]) for row in c.fetchall()]

    def first_state(self, record_id: UUID) -> bytes | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT state FROM {self.events}"
                " WHERE originator_id = ? AND originator_version = 1",
                (record_id.hex,),
            )
            row = c.fetchone()
        return bytes(row[0]) if row else None


def sealing_mapper(
    factory: InfrastructureFactory[Any],
    table: PgKeyTable | SQLiteKeyTable,
    transcoder: Transcoder | None,
    *,
    create: bool,
) -> PersonalDataMapper:
    """The mapper a persistence module's factory gives the application, with
    the factory's whole-state compressor and cipher, if any are configured."""
    if create:
        table.create_table()
    return PersonalDataMapper(
        transcoder or factory.transcoder(),
        Keys(table),
        compressor=factory.compressor(),
        cipher=factory.cipher(),
    )
