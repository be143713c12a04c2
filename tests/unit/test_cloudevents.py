"""CloudEvents built from stored events (infra/kafka/cloudevents.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from uuid import UUID, uuid4, uuid5

from commands.contacts import RegisterContact, register_contact
from infra.kafka.cloudevents import (
    CONTENT_TYPE,
    NAMESPACE,
    CloudEventEncoder,
    event_id,
)
from tests.unit.helpers import memory_app, run


def stored_contact() -> tuple[Any, CloudEventEncoder, Any, UUID]:
    app = memory_app()
    command = RegisterContact(
        given_name="Ada", family_name="Lovelace", emails=("ada@example.org",)
    )
    outcome = run(app, register_contact, command, correlation_id=uuid4())
    (notification,) = app.recorder.select_notifications(start=1, limit=10)
    encoder = CloudEventEncoder(app.mapper, "sfa")
    return app, encoder, notification, outcome.aggregate.id


class TestCloudEventEncoder:
    def test_a_stored_event_becomes_a_structured_cloudevent(self) -> None:
        _, encoder, notification, aggregate_id = stored_contact()
        message = encoder.message(notification)
        doc = json.loads(message.value)
        contact_id = str(aggregate_id)
        assert message.topic == "sfa.contact"
        assert message.key == contact_id.encode()
        assert doc["type"] == "sfa.contact.registered.v1"
        assert doc["subject"] == contact_id
        assert doc["id"] == event_id(contact_id, 1) == message.id
        assert (doc["sequence"], doc["position"]) == (1, 1)
        assert doc["actor"] == "root" and doc["correlationid"]
        assert doc["time"].endswith("Z")
        assert doc["data"]["emails"] == ["ada@example.org"]
        assert "originator_topic" not in doc["data"]
        assert b"domain." not in message.value

    def test_headers_follow_the_kafka_protocol_binding(self) -> None:
        _, encoder, notification, _ = stored_contact()
        message = encoder.message(notification)
        headers = dict(message.headers)
        assert headers["content-type"] == CONTENT_TYPE.encode()
        assert headers["ce_type"] == b"sfa.contact.registered.v1"
        assert headers["ce_id"] == message.id.encode()
        assert headers["ce_sequence"] == b"1"
        assert "ce_causationid" not in headers  # absent, not "None"

    def test_the_id_is_the_same_every_time_the_event_is_published(self) -> None:
        app, encoder, notification, _ = stored_contact()
        again = CloudEventEncoder(app.mapper, "sfa")
        first = encoder.message(notification)
        assert again.message(notification).id == first.id

    def test_the_stored_state_is_published_as_stored(self) -> None:
        """The encoder never rebuilds the domain event, so a field stored in
        a form the event class does not know (an encrypted personal field)
        goes out as stored."""
        app, encoder, notification, _ = stored_contact()
        state = app.mapper.transcoder.decode(notification.state)
        state["family_name"] = {"ciphertext": "b64:...", "key": "subject-1"}
        state["added_later"] = 1
        shredded = replace(
            notification,
            state=app.mapper.transcoder.encode(state),
        )
        doc = json.loads(encoder.message(shredded).value)
        assert doc["data"]["family_name"] == {
            "ciphertext": "b64:...",
            "key": "subject-1",
        }
        assert doc["data"]["added_later"] == 1


def test_event_ids_are_uuid5_of_aggregate_and_version() -> None:
    for aggregate_id in (uuid4(), uuid4()):
        for version in (1, 2, 1000):
            name = f"{aggregate_id}/{version}"
            expected = str(uuid5(NAMESPACE, name))
            assert event_id(aggregate_id, version) == expected
            assert event_id(str(aggregate_id), version) == expected
