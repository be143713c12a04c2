"""``sfa tail``: print events from sfa topics as they arrive.

It reads every partition directly (no consumer group, nothing committed), so
it never takes partitions from a real consumer. Topics that do not exist
yet are looked for again every few seconds.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from infra.kafka.consumer import Event

RECHECK_S = 3.0


def topic_names(
    prefix: str, given: Iterable[str], aggregates: Iterable[str]
) -> list[str]:
    """``given`` (a bare aggregate name gets the prefix), or every topic."""
    names = [t if "." in t else f"{prefix}.{t}" for t in given]
    return names or sorted({f"{prefix}.{a}" for a in aggregates})


def line(event: Event) -> str:
    data = json.dumps(event.data, separators=(",", ":"), ensure_ascii=False)
    return (
        f"{event.position:>9} {event.time}  {event.type:<42} {event.subject} "
        f"{event.actor or '-'} {data}"
    )


class Tail:
    def __init__(
        self, bootstrap: str, topics: list[str], *, from_beginning: bool = False
    ) -> None:
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap.split(","), group_id=None
        )
        self.topics = topics
        self.from_beginning = from_beginning
        self.assigned: set[str] = set()
        self._checked = 0.0

    def _assign_new_topics(self) -> None:
        if time.monotonic() - self._checked < RECHECK_S:
            return
        self._checked = time.monotonic()
        fresh = []
        for topic in self.topics:
            if topic in self.assigned:
                continue
            partitions = self.consumer.partitions_for_topic(topic)
            if partitions:
                fresh += [TopicPartition(topic, p) for p in partitions]
                self.assigned.add(topic)
        if not fresh:
            return
        old = set(self.consumer.assignment())
        self.consumer.assign([*old, *fresh])
        if self.from_beginning or old:  # a topic made after start: all of it
            self.consumer.seek_to_beginning(*fresh)
        else:
            self.consumer.seek_to_end(*fresh)

    def run(
        self,
        write: Callable[[str], Any],
        *,
        limit: int | None = None,
        as_json: bool = False,
    ) -> int:
        """Writes one line per event until ``limit`` events (or forever)."""
        shown = 0
        while limit is None or shown < limit:
            self._assign_new_topics()
            if not self.assigned:
                time.sleep(0.5)
                continue
            for records in self.consumer.poll(timeout_ms=500).values():
                for record in records:
                    event = Event.parse(record)
                    write(json.dumps(event.document) if as_json else line(event))
                    shown += 1
                    if limit is not None and shown >= limit:
                        return shown
        return shown

    def close(self) -> None:
        self.consumer.close()
