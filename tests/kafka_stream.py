"""Reading the relay's topics back, with two independent clients, and the
checks every relay test makes of what a consumer saw.

``read_kafka_python`` and ``read_confluent`` (librdkafka) each read until
they have seen every wanted event id (or time out) and return the records in
the order they arrived. ``check_stream`` then asserts the contract: every
stored event arrived, each copy of an event is identical, and per key the
first copies arrive in the aggregate's version order (what a consumer that
deduplicates on ``id`` sees).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from infra.kafka.cloudevents import event_id


@dataclass(frozen=True)
class Received:
    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes
    headers: dict[str, bytes]

    @property
    def doc(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.value)
        return found

    @property
    def id(self) -> str:
        return self.headers["ce_id"].decode()


@dataclass(frozen=True)
class Stored:
    position: int
    aggregate_id: str
    version: int
    id: str


def stored_events(app: Any, start: int = 0) -> list[Stored]:
    """Every event of the log after ``start``, in log order."""
    found: list[Stored] = []
    while True:
        page = app.recorder.select_notifications(
            start=start, limit=5000, inclusive_of_start=False
        )
        if not page:
            return found
        for n in page:
            found.append(
                Stored(
                    n.id,
                    str(n.originator_id),
                    n.originator_version,
                    event_id(n.originator_id, n.originator_version),
                )
            )
        start = page[-1].id


def read_kafka_python(
    bootstrap: str, topics: Collection[str], want: set[str], timeout: float = 60
) -> list[Received]:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    settle = time.monotonic() + min(10.0, timeout / 3)
    while True:  # the relay may not have made every topic yet (or ever)
        known = {topic: consumer.partitions_for_topic(topic) for topic in topics}
        if all(known.values()) or time.monotonic() > settle:
            break
        time.sleep(0.2)
        consumer.topics()  # asks the broker for fresh metadata
    partitions = [TopicPartition(t, p) for t, ps in known.items() for p in ps or ()]
    assert partitions, f"none of {sorted(topics)} exists"
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    received: list[Received] = []
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    try:
        while not want <= seen and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    item = Received(
                        r.topic,
                        r.partition,
                        r.offset,
                        r.key,
                        r.value,
                        dict(r.headers),
                    )
                    received.append(item)
                    seen.add(item.id)
    finally:
        consumer.close()
    return received


def read_confluent(
    bootstrap: str, topics: Collection[str], want: set[str], timeout: float = 60
) -> list[Received]:
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"check-{uuid.uuid4().hex[:8]}",  # required, not joined
            "enable.auto.commit": False,
        }
    )
    metadata = consumer.list_topics(timeout=10)
    consumer.assign(
        [
            TopicPartition(topic, p, OFFSET_BEGINNING)
            for topic in topics
            if topic in metadata.topics
            for p in metadata.topics[topic].partitions
        ]
    )
    received: list[Received] = []
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    try:
        while not want <= seen and time.monotonic() < deadline:
            for m in consumer.consume(num_messages=1000, timeout=0.5):
                if m.error():
                    continue
                item = _confluent(m)
                received.append(item)
                seen.add(item.id)
    finally:
        consumer.close()
    return received


def _confluent(m: Any) -> Received:
    headers = dict(m.headers() or [])
    return Received(m.topic(), m.partition(), m.offset(), m.key(), m.value(), headers)


def check_stream(
    received: list[Received], stored: list[Stored], resent_after: int = 0
) -> int:
    """Asserts the delivery contract; returns how many duplicates arrived.
    Only events after position ``resent_after`` may come twice."""
    expected = {s.id: s for s in stored}
    first: dict[str, Received] = {}
    order: dict[str, list[int]] = defaultdict(list)
    duplicates = 0
    for item in received:
        if item.id not in expected:
            continue  # another test's event on a shared topic
        if item.id in first:
            assert item.value == first[item.id].value, f"copies differ: {item.id}"
            assert expected[item.id].position > resent_after, "re-sent too much"
            duplicates += 1
            continue
        first[item.id] = item
        order[item.key.decode()].append(expected[item.id].version)
    missing = [s for s in stored if s.id not in first]
    assert not missing, f"{len(missing)} events never arrived, first: {missing[0]}"
    per_key: dict[str, list[int]] = defaultdict(list)
    for s in stored:
        per_key[s.aggregate_id].append(s.version)
    assert dict(order) == dict(per_key), "a key's events arrived out of order"
    return duplicates
