"""The consumer kit: subscribe to sfa topics and handle each event once.

For other services (also ``sfa tail``)::

    from infra.kafka.consumer import EventConsumer, SqliteSeen

    def handle(event: Event) -> None:
        print(event.type, event.subject, event.data)

    consumer = EventConsumer(
        "kafka:9092", ["sfa.contact", "sfa.account"], group_id="billing",
        handler=handle, seen=SqliteSeen("billing-seen.db"),
    )
    consumer.run()  # until consumer.stop() (another thread) or Ctrl-C

What must hold:
- Offsets are committed only after the handler returned for every record up
  to them; a handler that raises stops the consumer with the failed record
  uncommitted (it comes again on the next start), after committing those
  before it.
- A record whose ``id`` was handled before is skipped: the relay delivers at
  least once, and this makes it once. ``MemorySeen`` remembers the last
  million ids of this process; ``SqliteSeen`` remembers across restarts.
  For effects in your own database, pass a ``seen`` that records the id in
  the same transaction as the effect: then each event takes effect exactly once.
- Events of one key arrive in order (one partition each); a consumer group
  shares the partitions among its members.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """One CloudEvent as received, with where it came from."""

    id: str
    type: str
    subject: str
    sequence: int
    position: int
    time: str
    actor: str | None
    correlationid: str | None
    data: dict[str, Any]
    topic: str
    partition: int
    offset: int
    document: dict[str, Any]

    @classmethod
    def parse(cls, record: Any) -> Event:
        """From a kafka-python record whose value is a structured CloudEvent."""
        doc: dict[str, Any] = json.loads(record.value)
        return cls(
            id=doc["id"],
            type=doc["type"],
            subject=doc["subject"],
            sequence=int(doc["sequence"]),
            position=int(doc["position"]),
            time=doc["time"],
            actor=doc.get("actor"),
            correlationid=doc.get("correlationid"),
            data=doc.get("data") or {},
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            document=doc,
        )


class Seen(Protocol):
    """The ids of events handled: asked before, told after handling."""

    def __contains__(self, event_id: object) -> bool: ...

    def add(self, event_id: str) -> None: ...


class MemorySeen:
    """The last ``max_ids`` ids, in this process only."""

    def __init__(self, max_ids: int = 1_000_000) -> None:
        self.max_ids = max_ids
        self._ids: OrderedDict[object, None] = OrderedDict()

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids

    def add(self, event_id: str) -> None:
        self._ids[event_id] = None
        if len(self._ids) > self.max_ids:
            self._ids.popitem(last=False)


class SqliteSeen:
    """Every id handled, in a SQLite file: survives restarts."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY)")

    def __contains__(self, event_id: object) -> bool:
        found = self.conn.execute("SELECT 1 FROM seen WHERE id = ?", [event_id])
        return found.fetchone() is not None

    def add(self, event_id: str) -> None:
        self.conn.execute("INSERT OR IGNORE INTO seen (id) VALUES (?)", [event_id])


Handler = Callable[[Event], None]


class EventConsumer:
    def __init__(
        self,
        bootstrap: str,
        topics: Iterable[str],
        *,
        group_id: str,
        handler: Handler,
        seen: Seen | None = None,
        from_beginning: bool = True,
        **options: Any,
    ) -> None:
        """``options`` go to kafka-python's ``KafkaConsumer`` as they are."""
        settings: dict[str, Any] = {
            "bootstrap_servers": bootstrap.split(","),
            "group_id": group_id,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest" if from_beginning else "latest",
            "max_poll_records": 500,
            "session_timeout_ms": 10_000,
            "heartbeat_interval_ms": 2_000,
            "max_poll_interval_ms": 60_000,
            **options,
        }
        self.consumer = KafkaConsumer(**settings)
        self.consumer.subscribe(list(topics))
        self.handler = handler
        self.seen: Seen = seen if seen is not None else MemorySeen()
        self.handled = 0
        self.skipped = 0
        self._stop = threading.Event()

    def poll_once(self, timeout: float = 1.0) -> int:
        """Handles what one poll brings, then commits; returns how many."""
        batches = self.consumer.poll(timeout_ms=int(timeout * 1000))
        done: dict[TopicPartition, int] = {}  # next offset to handle
        try:
            for partition, records in batches.items():
                for record in records:
                    self._handle(record)
                    done[partition] = record.offset + 1
        except BaseException:
            self._rewind(batches, done)
            raise
        finally:
            if done:
                meta = {p: OffsetAndMetadata(o, "", -1) for p, o in done.items()}
                self.consumer.commit(meta)
        return sum(len(records) for records in batches.values())

    def _handle(self, record: Any) -> None:
        event = Event.parse(record)
        if event.id in self.seen:
            self.skipped += 1
            return
        self.handler(event)
        self.seen.add(event.id)
        self.handled += 1

    def _rewind(
        self, batches: dict[TopicPartition, list[Any]], done: dict[TopicPartition, int]
    ) -> None:
        """After a failure, the next poll starts again at the first record
        not handled, in every partition of the batch."""
        for partition, records in batches.items():
            if records:
                self.consumer.seek(partition, done.get(partition, records[0].offset))

    def run(self) -> None:
        """Polls and handles until ``stop()``; a handler's error propagates."""
        while not self._stop.is_set():
            self.poll_once()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self.consumer.close()
