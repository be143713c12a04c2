"""The Kafka producer the relay sends with, and creating its topics.

What must hold:
- ``acks=all`` and the idempotent producer (the broker drops a retried
  duplicate and refuses a gap), one request in flight per connection, and
  retries without a deadline: kafka-python resends a failed request before
  any later one, so the records of one partition reach the broker in the
  order they were sent, however long the broker is away.
- A topic exists before the relay sends to it (created with the configured
  partitions and replication; one that exists already is left as it is).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import KafkaError, TopicAlreadyExistsError

logger = logging.getLogger(__name__)

NO_DEADLINE_MS = 7 * 24 * 3600 * 1000  # a week: the relay never gives a record up
TOPIC_EXISTS = TopicAlreadyExistsError.errno


@dataclass(frozen=True)
class KafkaConfig:
    bootstrap: str
    prefix: str = "sfa"
    partitions: int = 3
    replication: int = 1
    client_id: str = "sfa-relay"

    def producer_settings(self) -> dict[str, Any]:
        """The producer settings (also used by the benchmark's bare producer)."""
        return {
            "bootstrap_servers": self.bootstrap.split(","),
            "client_id": self.client_id,
            "acks": "all",
            "enable_idempotence": True,
            "max_in_flight_requests_per_connection": 1,
            "retries": 2**31 - 1,
            "delivery_timeout_ms": NO_DEADLINE_MS,
            "request_timeout_ms": 10_000,
            "retry_backoff_ms": 100,
            "reconnect_backoff_ms": 100,
            "reconnect_backoff_max_ms": 5_000,
            "max_block_ms": 10_000,
            "linger_ms": 5,
            "batch_size": 256 * 1024,
        }


def new_producer(config: KafkaConfig) -> KafkaProducer:
    return KafkaProducer(**config.producer_settings())


class Topics:
    """Creates topics once each (per process), before the first send."""

    def __init__(self, config: KafkaConfig) -> None:
        self.config = config
        self.known: set[str] = set()

    def ensure(self, names: set[str]) -> None:
        missing = names - self.known
        if missing:
            self.create(missing)
            self.known |= missing

    def create(self, names: set[str]) -> None:
        """Creates the topics that do not exist; raises KafkaError otherwise."""
        admin = KafkaAdminClient(
            bootstrap_servers=self.config.bootstrap.split(","),
            client_id=f"{self.config.client_id}-admin",
            request_timeout_ms=10_000,
        )
        try:
            sizes = {
                "num_partitions": self.config.partitions,
                "replication_factor": self.config.replication,
            }
            new = {name: dict(sizes) for name in sorted(names)}
            answer = admin.create_topics(new, raise_errors=False)
            for topic in answer["topics"]:
                code = topic["error_code"]
                if code not in (0, TOPIC_EXISTS):
                    raise KafkaError(
                        f"cannot create topic {topic['name']}: error {code} "
                        f"{topic.get('error_message') or ''}".strip()
                    )
                if code == 0:
                    logger.info("created topic %s", topic["name"])
        finally:
            admin.close()
