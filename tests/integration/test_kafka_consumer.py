"""The consumer kit (infra/kafka/consumer.py) and ``sfa tail`` against a real
broker: each event handled once although the relay sent it twice, offsets
committed only after handling, a failed handler's event handled again."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.projections_workload import record_log
from commands.application import SalesApplication
from infra.kafka.consumer import Event, EventConsumer
from infra.kafka.relay import Relay
from tests.integration.kafka_relay_fixtures import (
    drop_database,
    new_prefix,
    own_database,
    pg_app,
    pg_relay,
    topics_of,
)
from tests.kafka_stream import Stored, stored_events
from tests.services import drop_schema

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
SFA = Path(sys.executable).with_name("sfa")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[str]:
    url, created = own_database(postgres_url, "_kafka_consumer")
    yield url
    if created:
        drop_database(postgres_url, url)


@pytest.fixture(scope="module")
def published(
    database: str, kafka_bootstrap: str
) -> Iterator[tuple[str, list[Stored]]]:
    """A log relayed twice over (every event sent two times)."""
    drop_schema(database, "sfa_test_relay")
    app: SalesApplication = pg_app(database)
    record_log(app, 400)
    prefix = new_prefix()
    for _ in range(2):
        relay: Relay = pg_relay(app, database, kafka_bootstrap, prefix)
        with relay.store.transaction() as cursor:
            relay.store.save_position(cursor, relay.tracking_name, 0)
        relay.catch_up()
        relay.close()
    yield prefix, stored_events(app)
    app.close()


def consume(
    bootstrap: str, prefix: str, group: str, handler: Any, until: Any
) -> EventConsumer:
    """Polls until ``until(consumer)`` holds with partitions assigned, then
    three times more (so nothing more was on its way)."""
    consumer = EventConsumer(
        bootstrap, topics_of(prefix), group_id=group, handler=handler
    )
    deadline = time.monotonic() + 60
    while not (consumer.consumer.assignment() and until(consumer)):
        assert time.monotonic() < deadline, "the consumer got stuck"
        consumer.poll_once(timeout=0.5)
    for _ in range(3):
        consumer.poll_once(timeout=0.5)
    return consumer


class TestEventConsumer:
    def test_each_event_is_handled_once_in_order_per_key(
        self, published: tuple[str, list[Stored]], kafka_bootstrap: str
    ) -> None:
        prefix, stored = published
        handled: list[Event] = []
        group = f"g-{uuid.uuid4().hex[:8]}"
        consumer = consume(
            kafka_bootstrap,
            prefix,
            group,
            handled.append,
            lambda c: c.handled + c.skipped >= 2 * len(stored),
        )
        consumer.close()
        assert sorted(e.id for e in handled) == sorted(s.id for s in stored)
        assert consumer.skipped == len(stored)  # the second copies
        versions: dict[str, list[int]] = defaultdict(list)
        for event in handled:
            versions[event.subject].append(event.sequence)
        assert all(v == sorted(v) for v in versions.values())

        again: list[Event] = []
        rejoined = consume(kafka_bootstrap, prefix, group, again.append, lambda c: True)
        rejoined.close()
        assert again == []  # everything was committed

    def test_a_failed_handler_gets_the_event_again(
        self, published: tuple[str, list[Stored]], kafka_bootstrap: str
    ) -> None:
        prefix, stored = published
        victim = stored[len(stored) // 2].id
        handled: list[str] = []
        failures: list[str] = []

        def handler(event: Event) -> None:
            if event.id == victim and not failures:
                failures.append(event.id)
                raise RuntimeError("handler failed once")
            handled.append(event.id)

        consumer = EventConsumer(
            kafka_bootstrap,
            topics_of(prefix),
            group_id=f"g-{uuid.uuid4().hex[:8]}",
            handler=handler,
        )
        deadline = time.monotonic() + 60
        try:
            while len(handled) < len(stored) and time.monotonic() < deadline:
                with contextlib.suppress(RuntimeError):
                    consumer.poll_once(timeout=0.5)
        finally:
            consumer.close()
        assert failures == [victim]
        assert sorted(handled) == sorted(s.id for s in stored)


class TestTail:
    def test_prints_the_events_of_a_topic(
        self, published: tuple[str, list[Stored]], kafka_bootstrap: str
    ) -> None:
        prefix, _ = published
        env = {k: v for k, v in os.environ.items() if not k.startswith("SFA_")}
        env |= {
            "SFA_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "SFA_KAFKA_TOPIC_PREFIX": prefix,
        }
        done = subprocess.run(
            [str(SFA), "tail", "contact", "--from-beginning", "--limit", "5"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert len(lines) == 5
        assert all(" sfa.contact." in line for line in lines)
        assert "sfa.contact.registered.v1" in lines[0]
        assert f"tailing {prefix}.contact from the beginning" in done.stderr
