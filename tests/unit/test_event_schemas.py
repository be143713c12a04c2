"""The published schemas (infra/kafka/schemas.py) as a contract.

- Every event type's stored data, as the relay publishes it, validates
  against its schema: for each type, hypothesis-made events of it stored
  through the application's mapper; and a realistic log of many types.
- A published schema does not change incompatibly under the same version:
  ``tests/event_schemas.json`` is the snapshot of what was published. After
  a compatible change or a new type, rewrite it with
  ``python -m tests.unit.test_event_schemas``; an incompatible change needs
  a new event version (``class_version`` and an upcaster), not a new snapshot.
- ``docs/events.md`` is generated from the same definitions and is current.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar
from uuid import uuid4

import pytest
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from benchmarks.projections_workload import record_log
from infra.kafka.cloudevents import CloudEventEncoder, json_default
from infra.kafka.schemas import (
    DOCS,
    EventSchema,
    catalogue,
    incompatibilities,
    markdown,
)
from tests.unit.helpers import memory_app

SNAPSHOT = Path(__file__).resolve().parents[1] / "event_schemas.json"
TYPES = sorted(catalogue())


def current() -> dict[str, dict[str, Any]]:
    return {name: s.json_schema() for name, s in catalogue().items()}


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        catalogue()[name].json_schema(), format_checker=FormatChecker()
    )


def published_data(doc: dict[str, Any]) -> Any:
    """The ``data`` exactly as a consumer parses it from the message."""
    return json.loads(json.dumps(doc["data"], default=json_default))


def values(annotation: Any) -> st.SearchStrategy[Any]:
    """Values an event field of this annotation may hold."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([values(a) for a in args])
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is tuple:
        return st.lists(values(args[0]), max_size=3).map(tuple)
    if origin is dict or annotation is Any:
        leaf = st.text(max_size=8) | st.integers() | st.booleans()
        return st.dictionaries(st.text(max_size=8), leaf, max_size=3)
    if typing.is_typeddict(annotation):
        hints = typing.get_type_hints(annotation)
        return st.fixed_dictionaries({k: values(v) for k, v in hints.items()})
    if annotation is Decimal:
        return st.decimals(allow_nan=False, allow_infinity=False, places=2)
    if annotation is datetime:
        return st.datetimes(timezones=st.just(UTC))
    return st.from_type(annotation)


def event_of(schema: EventSchema) -> st.SearchStrategy[Any]:
    fields = {k: values(v) for k, v in schema.fields().items()}
    envelope = {
        "originator_id": uuid4(),
        "originator_version": 1,
        "timestamp": datetime.now(UTC),
        "actor": "ann",
        "correlation_id": uuid4(),
        "causation_id": None,
    }
    names = {f for f in schema.event_class.__dataclass_fields__}
    if "originator_topic" in names:
        envelope["originator_topic"] = get_topic(schema.event_class).rsplit(".", 1)[0]
    return st.fixed_dictionaries(fields).map(
        lambda data: schema.event_class(**envelope, **data)
    )


@pytest.mark.parametrize("name", TYPES)
def test_every_event_type_published_data_matches_its_schema(name: str) -> None:
    app = memory_app()
    encoder = CloudEventEncoder(app.mapper)
    check = validator(name)

    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(event_of(catalogue()[name]))
    def published(event: Any) -> None:
        stored = app.mapper.to_stored_event(event)
        notification = Notification(
            id=1,
            originator_id=stored.originator_id,
            originator_version=stored.originator_version,
            topic=stored.topic,
            state=stored.state,
        )
        doc = encoder.document(notification)
        assert doc["type"] == name
        check.validate(published_data(doc))

    published()


def test_a_realistic_log_validates_event_by_event() -> None:
    app = memory_app()
    head = record_log(app, 1500)
    encoder = CloudEventEncoder(app.mapper)
    seen = set()
    for n in app.recorder.select_notifications(start=1, limit=head):
        doc = encoder.document(n)
        validator(doc["type"]).validate(published_data(doc))
        seen.add(doc["type"])
    assert len(seen) >= 15


def test_published_schemas_change_only_compatibly() -> None:
    published = json.loads(SNAPSHOT.read_text())
    assert incompatibilities(published, current()) == []
    unrecorded = sorted(set(catalogue()) - set(published))
    assert unrecorded == [], "new types: python -m tests.unit.test_event_schemas"


def test_docs_events_md_is_current() -> None:
    assert DOCS.read_text() == markdown(), "run: python -m infra.kafka.schemas"


class TestIncompatibilities:
    base: ClassVar[dict[str, dict[str, Any]]] = {
        "t.v1": {
            "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
            "$defs": {"D": {"type": "object"}},
        }
    }

    def changed(self, **changes: Any) -> dict[str, dict[str, Any]]:
        return {"t.v1": {**self.base["t.v1"], **changes}}

    def test_a_new_property_or_type_is_compatible(self) -> None:
        props = {**self.base["t.v1"]["properties"], "c": {"type": "string"}}
        now = {**self.changed(properties=props), "t.v2": {}}
        assert incompatibilities(self.base, now) == []

    def test_a_removed_or_changed_property_is_not(self) -> None:
        props = {"a": {"type": "integer"}}
        assert incompatibilities(self.base, self.changed(properties=props)) == [
            "t.v1: property a changed",
            "t.v1: property b removed",
        ]

    def test_a_changed_definition_or_a_removed_type_is_not(self) -> None:
        now = self.changed(**{"$defs": {"D": {"type": "array"}}})
        assert incompatibilities(self.base, now) == [
            "t.v1: definition D removed or changed"
        ]
        assert incompatibilities(self.base, {}) == [
            "t.v1: removed (publish a new version instead)"
        ]

    def test_titles_carry_no_contract(self) -> None:
        props = {
            k: {**v, "title": "X"} for k, v in self.base["t.v1"]["properties"].items()
        }
        assert incompatibilities(self.base, self.changed(properties=props)) == []


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}", file=sys.stderr)
