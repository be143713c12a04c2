"""The relay against a real broker (Tansu) and PostgreSQL, read back with
kafka-python and with confluent-kafka (librdkafka): every event arrives as a
CloudEvent on its aggregate's topic, in order per key, and nothing is lost
when the broker is frozen, stopped or the relay is restarted."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from kafka import KafkaAdminClient

from benchmarks.projections_workload import record_log
from commands.application import SalesApplication
from tests.integration.kafka_relay_fixtures import (
    drop_database,
    new_prefix,
    own_database,
    pg_app,
    pg_relay,
    topics_of,
)
from tests.kafka_stream import (
    check_stream,
    read_confluent,
    read_kafka_python,
    stored_events,
)
from tests.services import drop_schema

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[str]:
    url, created = own_database(postgres_url, "_kafka_relay")
    yield url
    if created:
        drop_database(postgres_url, url)


@pytest.fixture
def app(database: str) -> Iterator[SalesApplication]:
    drop_schema(database, "sfa_test_relay")
    application = pg_app(database)
    yield application
    application.close()


def both_clients_see_every_event(
    bootstrap: str, prefix: str, app: SalesApplication, start: int = 0
) -> int:
    """Asserts the contract for both clients; returns the duplicates seen."""
    stored = stored_events(app, start)
    want = {s.id for s in stored}
    topics = topics_of(prefix)
    duplicates = check_stream(read_kafka_python(bootstrap, topics, want), stored)
    check_stream(read_confluent(bootstrap, topics, want), stored)
    return duplicates


class TestRelay:
    def test_every_event_arrives_once_as_a_cloudevent(
        self, app: SalesApplication, database: str, kafka_bootstrap: str
    ) -> None:
        head = record_log(app, 3000)
        prefix = new_prefix()
        relay = pg_relay(app, database, kafka_bootstrap, prefix)
        try:
            assert relay.catch_up() == head
            assert relay.position() == head
            assert relay.step() == 0
        finally:
            relay.close()

        assert both_clients_see_every_event(kafka_bootstrap, prefix, app) == 0

    def test_a_message_is_a_structured_cloudevent_with_binding_headers(
        self, app: SalesApplication, database: str, kafka_bootstrap: str
    ) -> None:
        record_log(app, 100)
        prefix = new_prefix()
        relay = pg_relay(app, database, kafka_bootstrap, prefix)
        try:
            relay.catch_up()
        finally:
            relay.close()
        stored = [s for s in stored_events(app) if s.version == 1][:50]
        received = read_kafka_python(
            kafka_bootstrap, topics_of(prefix), {s.id for s in stored}
        )
        contact = next(
            r for r in received if r.doc["type"] == "sfa.contact.registered.v1"
        )
        doc = contact.doc
        assert contact.topic == f"{prefix}.contact"
        assert contact.key == doc["subject"].encode()
        assert doc["specversion"] == "1.0"
        assert doc["source"] == f"/{prefix}"
        assert doc["datacontenttype"] == "application/json"
        assert doc["sequence"] == 1 and doc["position"] >= 1
        assert doc["actor"] == "bench" and doc["correlationid"]
        assert doc["time"].endswith("Z")
        assert {"given_name", "family_name", "emails"} <= set(doc["data"])
        assert b"domain." not in contact.value  # no Python paths leak out
        headers = contact.headers
        assert headers["content-type"].startswith(b"application/cloudevents+json")
        for name in ("id", "type", "source", "subject", "specversion", "actor"):
            assert headers[f"ce_{name}"].decode() == str(doc[name])
        assert json.loads(headers["ce_position"]) == doc["position"]

    def test_topics_get_the_configured_partitions(
        self, app: SalesApplication, database: str, kafka_bootstrap: str
    ) -> None:
        record_log(app, 10)
        prefix = new_prefix()
        relay = pg_relay(app, database, kafka_bootstrap, prefix)
        try:
            relay.catch_up()
        finally:
            relay.close()
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        try:
            found = admin.describe_topics([f"{prefix}.contact", f"{prefix}.rep"])
        finally:
            admin.close()
        assert [len(t["partitions"]) for t in found] == [3, 3]

    def test_a_restarted_relay_resumes_at_its_tracked_position(
        self, app: SalesApplication, database: str, kafka_bootstrap: str
    ) -> None:
        first_head = record_log(app, 500)
        prefix = new_prefix()
        relay = pg_relay(app, database, kafka_bootstrap, prefix)
        try:
            relay.catch_up()
        finally:
            relay.close()
        head = record_log(app, 500, seed=2)
        again = pg_relay(app, database, kafka_bootstrap, prefix)
        try:
            assert again.position() == first_head
            assert again.catch_up() == head - first_head
        finally:
            again.close()
        assert both_clients_see_every_event(kafka_bootstrap, prefix, app) == 0
