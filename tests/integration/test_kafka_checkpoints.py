"""The relay publishes the ledger's checkpoints to ``<prefix>.audit.checkpoints``
(real broker and PostgreSQL, read back with kafka-python): every checkpoint the
recorder holds arrives, in order, as a CloudEvent, only after the events it
seals, and none is lost when the relay is restarted."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from benchmarks.projections_workload import record_log
from commands.application import SalesApplication
from infra.kafka.checkpoints import CHECKPOINT_TYPE, checkpoint_topic
from infra.kafka.projection_worker import event_topics
from infra.ledger import CHECKPOINT_ENV
from infra.ledger_anchor import compare, read_kept
from infra.settings import Settings
from tests.integration.kafka_relay_fixtures import (
    drop_database,
    new_prefix,
    own_database,
    pg_relay,
)
from tests.services import drop_schema

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

SCHEMA = "sfa_test_relay_checkpoints"
EVERY = 50


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[str]:
    url, created = own_database(postgres_url, "_kafka_checkpoints")
    yield url
    if created:
        drop_database(postgres_url, url)


@pytest.fixture
def app(database: str) -> Iterator[SalesApplication]:
    drop_schema(database, SCHEMA)
    env = Settings(database_url=database).persistence_env()
    application = SalesApplication(
        env={**env, "SFA_DB_SCHEMA": SCHEMA, CHECKPOINT_ENV: str(EVERY)}
    )
    yield application
    application.close()


def recorded(app: SalesApplication) -> list[tuple[int, str, str]]:
    marks = app.recorder.select_checkpoints(0, 1000)  # type: ignore[attr-defined]
    return [(c.position, c.hash.hex(), c.kind) for c in marks]


def published(bootstrap: str, prefix: str, count: int) -> list[dict[str, Any]]:
    """The checkpoint documents on the topic, in partition order, once at
    least ``count`` distinct ids arrived (or after 60 s)."""
    topic = checkpoint_topic(prefix)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(parts)
    consumer.seek_to_beginning()
    found: list[tuple[int, int, dict[str, Any]]] = []
    deadline = time.monotonic() + 60
    try:
        while len({d["id"] for *_, d in found}) < count:
            assert time.monotonic() < deadline, f"{len(found)} of {count} arrived"
            for records in consumer.poll(timeout_ms=500).values():
                found += [(r.partition, r.offset, json.loads(r.value)) for r in records]
    finally:
        consumer.close()
    assert len({p for p, *_ in found}) == 1, "checkpoints share one partition"
    return [d for *_, d in sorted(found, key=lambda f: f[:2])]


def first_copies(docs: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    seen: set[str] = set()
    kept = []
    for doc in docs:
        if doc["id"] not in seen:
            seen.add(doc["id"])
            data = doc["data"]
            kept.append((data["position"], data["hash"], data["kind"]))
    return kept


class TestCheckpoints:
    def test_every_checkpoint_arrives_in_order_as_a_cloudevent(
        self, app: SalesApplication, database: str, kafka_bootstrap: str
    ) -> None:
        head = record_log(app, 8 * EVERY + 10)
        prefix = new_prefix()
        relay = pg_relay(app, database, kafka_bootstrap, prefix, batch_size=37)
        try:
            while relay.step() > 0:  # never ahead of the events it seals
                assert relay.checkpoints.position() <= relay.position()
            assert relay.position() == head
        finally:
            relay.close()
        want = recorded(app)
        assert [p for p, *_ in want] == list(range(EVERY, head + 1, EVERY))
        docs = published(kafka_bootstrap, prefix, len(want))
        assert first_copies(docs) == want
        assert len(docs) == len(want)  # no failure, no duplicate
        kept = read_kept("\n".join(json.dumps(d) for d in docs))  # a subscriber's
        assert compare(app.recorder, kept) == []  # type: ignore[arg-type]
        doc = docs[0]
        assert doc["type"] == CHECKPOINT_TYPE
        assert doc["specversion"] == "1.0" and doc["source"] == f"/{prefix}"
        assert doc["data"]["recorded_at"] and doc["time"] == doc["data"]["recorded_at"]

    def test_a_restarted_relay_loses_no_checkpoint(
        self, app: SalesApplication, database: str, kafka_bootstrap: str
    ) -> None:
        record_log(app, 3 * EVERY)
        prefix = new_prefix()
        relay = pg_relay(app, database, kafka_bootstrap, prefix)
        try:
            relay.catch_up()
            before = relay.checkpoints.position()
        finally:
            relay.close()
        assert before == recorded(app)[-1][0]
        record_log(app, 4 * EVERY, seed=2)
        again = pg_relay(app, database, kafka_bootstrap, prefix)
        try:
            assert again.checkpoints.position() == before
            again.catch_up()
        finally:
            again.close()
        want = recorded(app)
        assert again.checkpoints.position() == want[-1][0]
        docs = published(kafka_bootstrap, prefix, len(want))
        assert first_copies(docs) == want


def test_views_fed_from_kafka_do_not_subscribe_to_the_checkpoints() -> None:
    pattern = re.compile(event_topics("t.x"))
    assert pattern.match("t.x.contact") and pattern.match("t.x.opportunity")
    assert not pattern.match(checkpoint_topic("t.x"))
    assert not pattern.match("tax.contact")
