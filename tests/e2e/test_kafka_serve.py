"""``sfa serve`` with ``SFA_KAFKA_BOOTSTRAP`` set: the relay runs in the app
and a write reaches Kafka as a CloudEvent within moments (SQLite store)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from infra.bootstrap import bootstrap
from infra.kafka.cloudevents import event_id
from infra.settings import Settings
from tests.e2e.conftest import TOKENS, auth
from tests.kafka_stream import read_kafka_python

pytestmark = pytest.mark.kafka


@pytest.fixture
def served(tmp_path: Path, kafka_bootstrap: str) -> Iterator[tuple[TestClient, str]]:
    prefix = f"e2e{uuid.uuid4().hex[:8]}"
    settings = Settings(
        sqlite_path=tmp_path / "sfa.db",
        api_tokens=TOKENS,
        kafka_bootstrap=kafka_bootstrap,
        kafka_topic_prefix=prefix,
        poll_interval=0.2,
    )
    container = bootstrap(settings, seed=False)
    assert container.relay is not None
    with TestClient(create_app(lambda: container)) as client:
        yield client, prefix


def test_a_write_is_published_by_the_running_app(
    served: tuple[TestClient, str], kafka_bootstrap: str
) -> None:
    client, prefix = served
    body = {"given_name": "Ada", "family_name": "Lovelace"}
    answer = client.post("/contacts", json=body, headers=auth("admin"))
    assert answer.status_code == 201, answer.text
    written = answer.json()

    wanted = event_id(written["id"], 1)
    received = read_kafka_python(
        kafka_bootstrap, [f"{prefix}.contact"], {wanted}, timeout=30
    )
    (message,) = [r for r in received if r.id == wanted]
    doc = message.doc
    assert doc["type"] == "sfa.contact.registered.v1"
    assert doc["subject"] == written["id"]
    assert doc["position"] == written["position"]
    assert doc["actor"] == "root"
    # personal data goes out sealed (crypto-shredding): erased text, the box
    assert doc["data"]["family_name"] == "[erased]"
    box = doc["data"]["_personal"]
    assert box["subject"] == uuid.UUID(written["id"]).hex
    assert box["fields"] == ["family_name", "given_name"]
    assert "Lovelace" not in str(doc)
