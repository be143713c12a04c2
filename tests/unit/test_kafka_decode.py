"""CloudEvents back into domain events (infra/kafka/decode.py): a view fed
from Kafka gets the very events the log gives it."""

from __future__ import annotations

import json

from benchmarks.projections_workload import record_log
from infra.kafka.cloudevents import CloudEventEncoder
from infra.kafka.decode import domain_event
from tests.unit.helpers import memory_app


def test_every_event_of_a_log_comes_back_equal() -> None:
    app = memory_app()
    head = record_log(app, 600)
    encoder = CloudEventEncoder(app.mapper)
    for notification in app.recorder.select_notifications(start=1, limit=head):
        sent = json.loads(encoder.message(notification).value)
        logged = app.mapper.to_domain_event(notification)
        received = domain_event(sent)
        assert type(received) is type(logged)
        assert vars(received) == vars(logged)


def test_an_unknown_type_is_none() -> None:
    assert domain_event({"type": "sfa.contact.registered.v99", "data": {}}) is None
