"""psycopg2 recorders for ``eventsourcing`` (the factory is ``infra.postgres``).

What must hold:

- Global order. Writers take a transaction-scoped advisory lock before they
  number their events, so positions are handed out in commit order and are
  gapless: a reader never sees position N+1 before N is visible.
- One round trip per write. Events (and an optional tracking record) go in
  through one server-side function call, committed on its own.
- A new personal-data key staged for a write's events (``record_keys_with``)
  goes into the key table in the write's transaction: both are recorded or
  neither is; a subject that has a key row already refuses the write
  (``KeysTaken``: the stored key is then cached, for the events to be sealed
  again under it).
- A write may name records it relied on without changing them, each with
  the version it saw (``expect=``): under the log's lock, before anything is
  inserted, each must still be at that version, else the write records
  nothing and fails as a version conflict does (``IntegrityError``).
- The events table accepts inserts only: triggers refuse UPDATE, DELETE and
  TRUNCATE in the database itself.
- Every event is sealed into the ledger's hash chain by the same function,
  under the same lock (``infra.ledger``): the order the chain proves is the
  order the positions were handed out in.
"""

from __future__ import annotations

import contextlib
import logging
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, SafeUUID

from eventsourcing import persistence as es
from psycopg2.extras import Json

from infra.group_commit import GroupCommitter
from infra.ledger import CHECKPOINT_EVERY, Checkpoint, SealedRow
from infra.personal_data import Keys, KeysTaken
from infra.pg_datastore import PgDatastore, qualified, quote_ident, retry_on_disconnect
from infra.pg_schema import (
    aggregate_table_ddl,
    application_table_ddl,
    canonical_sql,
    create_schema,
    tracking_table_ddl,
)
from infra.pg_subscription import PgSubscription

__all__ = [
    "PgAggregateRecorder",
    "PgApplicationRecorder",
    "PgProcessRecorder",
    "PgTrackingRecorder",
]


logger = logging.getLogger(__name__)

_new = object.__new__
_set = object.__setattr__


def _notifications(rows: list[tuple[Any, ...]]) -> list[es.Notification]:
    """Rows of (id, 32-hex originator id, version, topic, state) as objects.

    The log is read in bulk (projections, relays, audits), so this skips the
    per-field work of ``UUID(str)`` and the frozen dataclass ``__init__``, as
    the library's own mapper does for domain events.
    """
    result = []
    unknown = SafeUUID.unknown
    for notification_id, hex_id, version, topic, state in rows:
        originator_id = _new(UUID)
        _set(originator_id, "int", int(hex_id, 16))
        _set(originator_id, "is_safe", unknown)
        notification = _new(es.Notification)
        _set(
            notification,
            "__dict__",
            {
                "originator_id": originator_id,
                "originator_version": version,
                "topic": topic,
                "state": bytes(state),
                "id": notification_id,
            },
        )
        result.append(notification)
    return result


class PgRecorder:
    def __init__(self, datastore: PgDatastore) -> None:
        self.datastore = datastore
        self.schema = datastore.schema

    def ddl(self) -> list[str]:
        return []

    def create_table(self) -> None:
        """Create what is missing; safe to run from many processes at once."""
        create_schema(self.datastore, self.ddl())


class PgAggregateRecorder(PgRecorder, es.AggregateRecorder):
    """Events of aggregates, without a global log (used for snapshots)."""

    def __init__(
        self, datastore: PgDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore)
        self.events_table_name = events_table_name
        self.events_table = qualified(self.schema, events_table_name)

    def ddl(self) -> list[str]:
        return aggregate_table_ddl(self.schema, self.events_table_name)

    @retry_on_disconnect()
    def insert_events(
        self, stored_events: Sequence[es.StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if stored_events:
            with self.datastore.cursor() as curs:
                curs.execute(
                    f"INSERT INTO {self.events_table} "
                    "(originator_id, originator_version, topic, state) "
                    "SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[],"
                    " %s::bytea[])",
                    _columns(stored_events),
                )
        return None

    @retry_on_disconnect()
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[es.StoredEvent]:
        sql = (
            "SELECT originator_version, topic, state "
            f"FROM {self.events_table} WHERE originator_id = %s"
        )
        params: list[Any] = [originator_id]
        if gt is not None:
            sql += " AND originator_version > %s"
            params.append(gt)
        if lte is not None:
            sql += " AND originator_version <= %s"
            params.append(lte)
        sql += " ORDER BY originator_version" + (" DESC" if desc else "")
        if limit is not None:
            sql += " LIMIT %s"
            params.append(limit)
        with self.datastore.cursor() as curs:
            curs.execute(sql, params)
            rows = curs.fetchall()
        return [
            es.StoredEvent(originator_id, version, topic, bytes(state))
            for version, topic, state in rows
        ]

    @retry_on_disconnect()
    def select_events_many(
        self, originator_ids: Sequence[UUID]
    ) -> dict[UUID, list[es.StoredEvent]]:
        """The events of several aggregates in one round trip, each list in
        version order, keyed by the ids asked for; an id without events is
        absent from the result."""
        if not originator_ids:
            return {}
        asked = {UUID(str(i)): i for i in originator_ids}
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT originator_id, originator_version, topic, state "
                f"FROM {self.events_table} WHERE originator_id = ANY(%s::uuid[]) "
                "ORDER BY originator_id, originator_version",
                (list(asked),),
            )
            rows = curs.fetchall()
        result: dict[UUID, list[es.StoredEvent]] = {}
        for row_id, version, topic, state in rows:
            originator_id = asked[UUID(str(row_id))]
            stored = es.StoredEvent(originator_id, version, topic, bytes(state))
            result.setdefault(originator_id, []).append(stored)
        return result


@dataclass(frozen=True)
class _Write:
    events: Sequence[es.StoredEvent]
    reply: dict[str, Any] | None
    expect: dict[Any, int] | None = None  # record id -> version
    keys: dict[UUID, bytes] | None = None  # subject -> new key


def _columns(events: Sequence[es.StoredEvent]) -> list[list[Any]]:
    return [
        [e.originator_id for e in events],
        [e.originator_version for e in events],
        [e.topic for e in events],
        [e.state for e in events],
    ]


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


class PgApplicationRecorder(PgAggregateRecorder, es.ApplicationRecorder):
    """Events of aggregates plus the global, gapless notification log, sealed
    into the ledger's hash chain (``checkpoint_every`` sets the checkpoints'
    spacing; ``chained = False`` in a subclass only to measure the chain)."""

    chained = True
    checkpoint_every = CHECKPOINT_EVERY
    checks_expected_versions = True  # ``expect=`` of insert_events

    def __init__(
        self, datastore: PgDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.checkpoints_table = qualified(
            self.schema, f"{events_table_name}_checkpoints"
        )
        self.channel_name = f"{self.schema}_{events_table_name}"[:63]
        self.insert_function = qualified(self.schema, f"{events_table_name}_insert")
        self.replies_table = qualified(self.schema, f"{events_table_name}_idempotency")
        self.committer = GroupCommitter(self._insert_group)
        key = zlib.crc32(f"{self.schema}.{events_table_name}".encode())
        self.lock_key = key
        self.keys: Keys | None = None
        self.keys_table = ""

    def record_keys_with(self, keys: Keys, table: str) -> None:
        """New keys staged in ``keys`` go into ``table`` (qualified) with the
        events sealed under them, in one transaction (module doc)."""
        self.keys, self.keys_table = keys, table
        keys.staging = True

    def create_table(self) -> None:
        """Also seals rows recorded before the ledger existed, so that the
        first write after an upgrade does not wait for it."""
        super().create_table()
        if self.chained:
            self.seal_legacy_rows()

    @retry_on_disconnect()
    def seal_legacy_rows(self) -> int | None:
        """Seals a log recorded before the ledger existed (its head row has no
        hash and no checkpoint was ever recorded) with a ``legacy``
        checkpoint at its head, under the log's lock; returns the position
        sealed, or None if there was nothing to seal."""
        with self.datastore.transaction() as curs:
            curs.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_key,))
            curs.execute(
                f"SELECT notification_id FROM {self.events_table}"
                " WHERE hash IS NULL AND NOT EXISTS"
                f" (SELECT FROM {self.checkpoints_table})"
                " AND notification_id = (SELECT max(notification_id)"
                f" FROM {self.events_table})"
            )
            row = curs.fetchone()
            if row is None:
                return None
            seal = qualified(self.schema, f"{self.events_table_name}_seal_legacy")
            curs.execute(f"SELECT {seal}(%s)", (row[0],))
        logger.info("ledger: sealed the %s events recorded before it", row[0])
        return int(row[0])

    def ddl(self) -> list[str]:
        return application_table_ddl(
            self.schema,
            self.events_table_name,
            channel=quote_ident(self.channel_name),
            lock_key=self.lock_key,
            checkpoint_every=self.checkpoint_every,
            chained=self.chained,
        )

    def insert_events(
        self, stored_events: Sequence[es.StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Positions of the events; ``idempotency=`` records a reply with them;
        ``expect=`` (record id -> version) names records the events rely on,
        which must still be at those versions; new keys they are sealed under
        are recorded with them (module doc).

        Writes without tracking go through the group committer: those that
        arrive together share one transaction, each with its own positions.
        """
        keys = self.keys.take_staged() if self.keys is not None else {}
        write = _Write(
            stored_events, kwargs.get("idempotency"), kwargs.get("expect"), keys
        )
        try:
            positions = self._write(write, kwargs.get("tracking"))
        except es.IntegrityError as e:
            if self.keys is not None and keys and self._taken(self.keys, keys):
                raise KeysTaken(str(e)) from e
            raise
        if self.keys is not None and keys:
            self.keys.settle(keys)
        return positions

    @staticmethod
    def _taken(keys: Keys, brought: dict[UUID, bytes]) -> bool:
        with contextlib.suppress(es.PersistenceError):
            return keys.stored_any(brought)
        return False

    @retry_on_disconnect()
    def _write(
        self, write: _Write, tracking: es.Tracking | None
    ) -> Sequence[int] | None:
        if tracking is not None:
            return self._insert([write], self._tracking_args(tracking))[0]
        if not write.events and write.reply is None:
            return []
        return self.committer.submit(write)

    def _insert_group(self, writes: Sequence[_Write]) -> list[list[int] | Exception]:
        """One transaction for all; if one conflicts, each again on its own, so
        a failing write does not take the others down."""
        try:
            return list(self._insert(writes))
        except es.IntegrityError as e:
            if len(writes) == 1:
                return [e]
        results: list[list[int] | Exception] = []
        for write in writes:
            try:
                results.extend(self._insert([write]))
            except es.PersistenceError as e:
                results.append(e)
        return results

    def _insert(
        self, writes: Sequence[_Write], tracking_args: Sequence[Any] = (None,) * 4
    ) -> list[list[int]]:
        events = [event for write in writes for event in write.events]
        ends: list[int] = []
        replies: list[dict[str, Any]] = []
        expected: list[tuple[Any, int]] = []
        written: set[Any] = set()
        keys: dict[UUID, bytes] = {}
        for write in writes:
            keys.update(write.keys or {})
            ends.append((ends[-1] if ends else 0) + len(write.events))
            if write.reply is not None:
                replies.append({**write.reply, "end": ends[-1]})
            expect = write.expect or {}
            if not written.isdisjoint(expect):  # changed earlier in this batch
                raise es.IntegrityError("a record this write relied on changed")
            expected.extend(expect.items())
            written.update(event.originator_id for event in write.events)
        insert_keys, key_args = "", []
        if keys:  # one query string: one implicit transaction with the events
            insert_keys = (
                f"INSERT INTO {self.keys_table} (subject_id, key)"
                " SELECT * FROM unnest(%s::uuid[], %s::bytea[]); "
            )
            key_args = [list(keys), list(keys.values())]
        with self.datastore.cursor() as curs:
            curs.execute(
                f"{insert_keys}SELECT {self.insert_function}(%s::uuid[],"
                " %s::bigint[], %s::text[], %s::bytea[], %s, %s, %s, %s,"
                " %s::jsonb, %s::uuid[], %s::bigint[])",
                [
                    *key_args,
                    *_columns(events),
                    *tracking_args,
                    Json(replies) if replies else None,
                    [i for i, _ in expected] or None,
                    [v for _, v in expected] or None,
                ],
            )
            row = curs.fetchone()
        head = row[0] if row and row[0] is not None else 0
        starts = [0, *ends[:-1]]
        spans = zip(starts, ends, strict=True)
        return [list(range(head + a + 1, head + b + 1)) for a, b in spans]

    def _tracking_args(self, tracking: es.Tracking) -> list[Any]:
        msg = "this recorder does not record tracking; use PgProcessRecorder"
        raise es.ProgrammingError(msg)

    @retry_on_disconnect()
    def select_idempotency(self, key: str) -> dict[str, Any] | None:
        """The reply recorded with ``key`` (``idempotency=`` of insert_events),
        with the ``position`` of its last event; None if the key is new."""
        with self.datastore.cursor() as curs:
            curs.execute(
                f"SELECT response, position FROM {self.replies_table} WHERE key = %s",
                (key,),
            )
            row = curs.fetchone()
        return {**row[0], "position": row[1]} if row else None

    @retry_on_disconnect()
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[es.Notification]:
        sql = (
            "SELECT notification_id, replace(originator_id::text, '-', ''),"
            f" originator_version, topic, state FROM {self.events_table} WHERE TRUE"
        )
        params: list[Any] = []
        if start is not None:
            sql += " AND notification_id >" + ("= %s" if inclusive_of_start else " %s")
            params.append(start)
        if stop is not None:
            sql += " AND notification_id <= %s"
            params.append(stop)
        if topics:
            sql += " AND topic = ANY(%s)"
            params.append(list(topics))
        sql += " ORDER BY notification_id LIMIT %s"
        params.append(limit)
        with self.datastore.cursor() as curs:
            curs.execute(sql, params)
            return _notifications(curs.fetchall())

    @retry_on_disconnect()
    def max_notification_id(self) -> int | None:
        return self.probe_head()

    def probe_head(self) -> int | None:
        """The head position, asked once (no retry): for health probes."""
        with self.datastore.cursor() as curs:
            curs.execute(f"SELECT max(notification_id) FROM {self.events_table}")
            row = curs.fetchone()
        return row[0] if row else None

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> es.Subscription[es.ApplicationRecorder]:
        return PgSubscription(recorder=self, gt=gt, topics=topics)

    @retry_on_disconnect()
    def select_stream(self, originator_id: UUID) -> list[es.Notification]:
        """Every event of one aggregate, in version order, with its position."""
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT notification_id, replace(originator_id::text, '-', ''),"
                f" originator_version, topic, state FROM {self.events_table}"
                " WHERE originator_id = %s ORDER BY originator_version",
                (originator_id,),
            )
            return _notifications(curs.fetchall())

    @retry_on_disconnect()
    def select_sealed(self, after: int, stop: int, limit: int) -> list[SealedRow]:
        """Rows above ``after`` up to ``stop`` with their stored hashes."""
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT notification_id, originator_id, originator_version, topic,"
                f" state, hash FROM {self.events_table} WHERE notification_id > %s"
                " AND notification_id <= %s ORDER BY notification_id LIMIT %s",
                (after, stop, limit),
            )
            rows = curs.fetchall()
        return [
            SealedRow(p, _uuid(i), v, t, bytes(s), None if h is None else bytes(h))
            for p, i, v, t, s, h in rows
        ]

    @retry_on_disconnect()
    def select_canonical(
        self, after: int, stop: int, limit: int
    ) -> list[tuple[int, bytes, bytes | None]]:
        """(position, canonical bytes, stored hash): the framing is built by
        built-in functions in this query's text, from the stored columns."""
        canonical = canonical_sql(
            "notification_id", "originator_id", "originator_version", "topic", "state"
        )
        with self.datastore.cursor() as curs:
            curs.execute(
                f"SELECT notification_id, {canonical}, hash FROM {self.events_table}"
                " WHERE notification_id > %s AND notification_id <= %s"
                " ORDER BY notification_id LIMIT %s",
                (after, stop, limit),
            )
            return curs.fetchall()

    @retry_on_disconnect()
    def select_checkpoints(self, after: int = 0, limit: int = 1000) -> list[Checkpoint]:
        """The ledger's checkpoints above ``after``, in position order: what
        the Kafka relay publishes to ``sfa.audit.checkpoints``."""
        return self._checkpoints(
            "WHERE position > %s ORDER BY position LIMIT %s", (after, limit)
        )

    @retry_on_disconnect()
    def last_checkpoint(self, upto: int) -> Checkpoint | None:
        found = self._checkpoints(
            "WHERE position <= %s ORDER BY position DESC LIMIT 1", (upto,)
        )
        return found[0] if found else None

    def _checkpoints(self, where: str, params: tuple[Any, ...]) -> list[Checkpoint]:
        with self.datastore.cursor() as curs:
            curs.execute(
                "SELECT position, hash, kind, recorded_at"
                f" FROM {self.checkpoints_table} {where}",
                params,
            )
            return [Checkpoint(p, bytes(h), k, r) for p, h, k, r in curs.fetchall()]


class PgTrackingRecorder(PgRecorder, es.TrackingRecorder):
    """One row per upstream name: the position processed last.

    Views subclass this and write their rows and the tracking record in one
    ``datastore.transaction()`` via ``insert_tracking_in(curs, tracking)``.
    """

    def __init__(
        self,
        datastore: PgDatastore,
        *,
        tracking_table_name: str = "notification_tracking",
        **kwargs: Any,
    ) -> None:
        super().__init__(datastore, **kwargs)
        self.tracking_table_name = tracking_table_name
        self.tracking_table = qualified(self.schema, tracking_table_name)

    def ddl(self) -> list[str]:
        return [
            *super().ddl(),
            *tracking_table_ddl(self.schema, self.tracking_table_name),
        ]

    @retry_on_disconnect()
    def insert_tracking(self, tracking: es.Tracking) -> None:
        with self.datastore.cursor() as curs:
            self.insert_tracking_in(curs, tracking)

    def insert_tracking_in(self, curs: Any, tracking: es.Tracking) -> None:
        """Advance the position; a position not above the recorded one is an
        ``IntegrityError`` (the event was processed already)."""
        curs.execute(
            f"INSERT INTO {self.tracking_table} AS t VALUES (%s, %s) "
            "ON CONFLICT (application_name) DO UPDATE "
            "SET notification_id = EXCLUDED.notification_id "
            "WHERE t.notification_id < EXCLUDED.notification_id "
            "RETURNING notification_id",
            (tracking.application_name, tracking.notification_id),
        )
        if curs.fetchone() is None:
            msg = (
                f"tracking {tracking.application_name} {tracking.notification_id}"
                " is not above the recorded position"
            )
            raise es.IntegrityError(msg)

    @retry_on_disconnect()
    def max_tracking_id(self, application_name: str) -> int | None:
        with self.datastore.cursor() as curs:
            curs.execute(
                f"SELECT notification_id FROM {self.tracking_table}"
                " WHERE application_name = %s",
                (application_name,),
            )
            row = curs.fetchone()
        return row[0] if row else None


class PgProcessRecorder(PgTrackingRecorder, PgApplicationRecorder, es.ProcessRecorder):
    """Events and a tracking record, recorded together or not at all."""

    def __init__(
        self,
        datastore: PgDatastore,
        *,
        events_table_name: str = "stored_events",
        tracking_table_name: str = "notification_tracking",
    ) -> None:
        super().__init__(
            datastore,
            tracking_table_name=tracking_table_name,
            events_table_name=events_table_name,
        )

    def _tracking_args(self, tracking: es.Tracking) -> list[Any]:
        return [
            self.schema,
            self.tracking_table_name,
            tracking.application_name,
            tracking.notification_id,
        ]
