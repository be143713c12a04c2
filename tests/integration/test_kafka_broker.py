"""The test Kafka broker (tests/kafka_broker.py) works with kafka-python."""

from __future__ import annotations

import time
import uuid

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def bootstrap(kafka_bootstrap: str) -> str:
    return kafka_bootstrap


def _create_topic(bootstrap: str, partitions: int) -> str:
    name = f"test-{uuid.uuid4().hex[:12]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        result = admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        admin.close()
    assert [t["error_code"] for t in result["topics"]] == [0]
    return name


class TestKafkaBroker:
    def test_produce_and_consume_keyed_messages(self, bootstrap: str) -> None:
        topic = _create_topic(bootstrap, partitions=3)
        sent = [(f"key-{i % 4}".encode(), f"value-{i}".encode()) for i in range(20)]

        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
        for key, value in sent:
            producer.send(topic, key=key, value=value)
        producer.flush(timeout=10)
        producer.close()

        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=f"group-{uuid.uuid4().hex[:12]}",
            auto_offset_reset="earliest",
            max_poll_interval_ms=3000,
            session_timeout_ms=3000,
            heartbeat_interval_ms=1000,
        )
        received: list[tuple[bytes, bytes]] = []
        deadline = time.monotonic() + 20
        try:
            while len(received) < len(sent) and time.monotonic() < deadline:
                for records in consumer.poll(timeout_ms=500).values():
                    received.extend((r.key, r.value) for r in records)
        finally:
            consumer.close()

        assert sorted(received) == sorted(sent)
        for key in {k for k, _ in sent}:
            assert [v for k, v in received if k == key] == [
                v for k, v in sent if k == key
            ]

    def test_create_topic_with_three_partitions(self, bootstrap: str) -> None:
        topic = _create_topic(bootstrap, partitions=3)

        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            (description,) = admin.describe_topics([topic])
        finally:
            admin.close()

        assert description["name"] == topic
        assert description["error_code"] == 0
        ids = sorted(p["partition_index"] for p in description["partitions"])
        assert ids == [0, 1, 2]
