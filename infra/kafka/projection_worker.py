"""Views fed from Kafka (``SFA_PROJECTIONS_SOURCE=kafka``): workers in a
consumer group share the topics' partitions, on as many machines as wanted.

What must hold:
- The same rows as a rebuild from the log. Views read other records' rows
  (a contact's account, an activity's contact), so they must see events in
  log order. Each CloudEvent carries its ``position``; a worker applies the
  event at position P+1 only when the view's stored position is P, under the
  row lock of that position (the one the log runners use): events held by
  other workers' partitions are applied by them, in turn. So every event is
  applied once, in log order, whichever worker holds it.
- Exactly once per worker: rows, the view's position and the next offset of
  each partition consumed go in one transaction. A worker given a partition
  starts at the offset stored for it (none: the beginning; records at or
  below the position are skipped as applied). A killed worker's partitions
  go to the others at the next rebalance, and they resume there.
- In a partition, first copies arrive in log order and a re-sent copy after
  its original: the head of a partition's buffer, once copies at or below the
  position are dropped, is its smallest event not yet applied.
- Sealed personal data is opened with the application's mapper (its key
  table), as the log runners' events are (``infra.kafka.decode``), and
  left shut, as there, for a view that reads none (``reader_for``).
Throughput is that of one runner (the order is global); the gain is
availability: any worker may die and the others carry on.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import deque
from collections.abc import Collection
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition

from infra.kafka.decode import domain_event
from infra.view_store import ViewStore
from projections.view import Batch, Cursor, Step, View, reader_for

logger = logging.getLogger(__name__)


def _position(record: Any) -> int:
    for name, value in record.headers:
        if name == "ce_position":
            return int(value)
    return int(json.loads(record.value)["position"])


def event_topics(prefix: str) -> str:
    """The pattern of the aggregates' topics (``<prefix>.<aggregate>``), not
    ``<prefix>.audit.checkpoints``: a checkpoint is not an event to apply."""
    return f"^{re.escape(prefix)}\\.[^.]+$"


class KafkaViewWorker(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(
        self,
        view: View,
        store: ViewStore,
        bootstrap: str,
        prefix: str,
        *,
        max_batch: int = 1000,
        mapper: Mapper[UUID] | None = None,
        **options: Any,
    ) -> None:
        """``mapper``: the application's, to open sealed personal data (left
        shut for a view that reads none: ``View.reads_personal_data``)."""
        self.view = view
        self.mapper = reader_for(view, mapper)
        self.store = store
        self.max_batch = max_batch
        self.tables = store.names(type(view))
        self.offsets = store.qualified("kafka_offsets")
        store.create(type(view))
        with store.transaction() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.offsets} (view TEXT NOT NULL,"
                " topic TEXT NOT NULL, partition INTEGER NOT NULL,"
                " next_offset BIGINT NOT NULL, PRIMARY KEY (view, topic, partition))"
            )
        self.buffers: dict[TopicPartition, deque[tuple[int, Any]]] = {}
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap.split(","),
            group_id=f"sfa-projections.{view.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            metadata_max_age_ms=3000,
            session_timeout_ms=6000,
            heartbeat_interval_ms=1000,
            max_poll_interval_ms=30_000,
            **options,
        )
        self.consumer.subscribe(pattern=event_topics(prefix), listener=self)
        self.last_error: str | None = None

    # the group's rebalances
    def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        for partition in revoked:
            self.buffers.pop(partition, None)

    def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        stored = self._stored_offsets()
        for partition in assigned:
            self.buffers[partition] = deque()
            offset = stored.get((partition.topic, partition.partition))
            if offset is None:
                self.consumer.seek_to_beginning(partition)
            else:
                self.consumer.seek(partition, offset)
        logger.info(
            "view %s: assigned %s",
            self.view.name,
            ", ".join(sorted(f"{p.topic}[{p.partition}]" for p in assigned)) or "-",
        )

    def _stored_offsets(self) -> dict[tuple[str, int], int]:
        with self.store.transaction() as cursor:
            cursor.execute(
                f"SELECT topic, partition, next_offset FROM {self.offsets}"
                " WHERE view = %s",
                [self.view.name],
            )
            return {(t, int(p)): int(o) for t, p, o in cursor.fetchall()}

    def poll(self, timeout: float = 0.05) -> int:
        """Buffers what the next poll brings; returns how many records."""
        count = 0
        for partition, records in self.consumer.poll(int(timeout * 1000)).items():
            buffer = self.buffers.setdefault(partition, deque())
            buffer.extend((_position(r), r) for r in records)
            count += len(records)
        return count

    def apply(self) -> int:
        """Applies, in one transaction, the run of events right after the
        view's position that this worker holds; returns how many."""
        with self.store.transaction() as cursor:
            position = self.store.lock_position(cursor, self.view.name)
            consumed: dict[TopicPartition, int] = {}
            heads = self._heads(position, consumed)
            batch, applied = Batch(cursor), 0
            while position + 1 in heads and applied < self.max_batch:
                partition = heads.pop(position + 1)
                at, record = self.buffers[partition].popleft()
                event = domain_event(json.loads(record.value), self.mapper)
                if event is not None:
                    self.view.apply(Step(cursor, self.tables, at, batch), event)
                position, applied = at, applied + 1
                consumed[partition] = record.offset + 1
                heads.update(self._heads(position, consumed, [partition]))
            batch.flush()
            if applied:
                self.store.save_position(cursor, self.view.name, position)
            self._save_offsets(cursor, consumed)
        return applied

    def _heads(
        self,
        position: int,
        consumed: dict[TopicPartition, int],
        partitions: Collection[TopicPartition] | None = None,
    ) -> dict[int, TopicPartition]:
        """Each partition's first event after ``position`` (earlier copies
        dropped as consumed), by position."""
        heads = {}
        for partition in self.buffers if partitions is None else partitions:
            buffer = self.buffers[partition]
            while buffer and buffer[0][0] <= position:
                consumed[partition] = buffer.popleft()[1].offset + 1
            if buffer:
                heads[buffer[0][0]] = partition
        return heads

    def _save_offsets(
        self, cursor: Cursor, consumed: dict[TopicPartition, int]
    ) -> None:
        for partition, offset in consumed.items():
            cursor.execute(
                f"INSERT INTO {self.offsets} (view, topic, partition, next_offset)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (view, topic, partition)"
                " DO UPDATE SET next_offset = excluded.next_offset",
                [self.view.name, partition.topic, partition.partition, offset],
            )

    def run(self, stop: threading.Event) -> None:
        """Polls and applies until ``stop``; a failed transaction is retried
        (its records stay buffered) after a pause."""
        backoff, rewind = 0.1, False
        while not stop.is_set():
            try:
                if rewind:
                    self.on_partitions_assigned(list(self.consumer.assignment()))
                    rewind = False
                self.poll()
                self.apply()
                self.last_error, backoff = None, 0.1
            except Exception as e:  # the transaction rolled back: records it
                self.last_error = f"{type(e).__name__}: {e}"  # took are read again
                logger.warning("view %s: %s", self.view.name, self.last_error)
                rewind = True
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    def close(self) -> None:
        self.consumer.close()
