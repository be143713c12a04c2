"""The published schemas (infra/kafka/schemas.py) as a contract.

- Every event type's stored data, as the relay publishes it, validates
  against its schema, and every key of it is described there: for each
  type, hypothesis-made events of it stored through the application's
  mapper (and, for a type with personal fields, through the sealing mapper
  of the embedded store: personal values erased, ``_personal`` as
  described); and a realistic log of many types.
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
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar
from uuid import uuid4

import pytest
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.utils import get_topic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from benchmarks.projections_workload import record_log
from commands.application import SalesApplication
from commands.personal_data import ForgetContact, forget_contact
from domain.contact import Contact
from domain.personal import ERASED, get_path, present
from infra.kafka.cloudevents import CloudEventEncoder, json_default
from infra.kafka.schemas import (
    DOCS,
    PERSONAL_KEY,
    EventSchema,
    catalogue,
    incompatibilities,
    markdown,
)
from infra.personal_data import BOX
from tests.unit.helpers import memory_app, run

SNAPSHOT = Path(__file__).resolve().parents[1] / "event_schemas.json"
TYPES = sorted(catalogue())
PERSONAL_TYPES = [name for name in TYPES if catalogue()[name].personal()]


def current() -> dict[str, dict[str, Any]]:
    return {name: s.json_schema() for name, s in catalogue().items()}


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        catalogue()[name].json_schema(), format_checker=FormatChecker()
    )


def published_data(doc: dict[str, Any]) -> Any:
    """The ``data`` exactly as a consumer parses it from the message."""
    return json.loads(json.dumps(doc["data"], default=json_default))


def check_published(name: str, data: dict[str, Any]) -> None:
    """Valid, and nothing in it that its schema does not describe."""
    validator(name).validate(data)
    described = catalogue()[name].json_schema()["properties"]
    assert set(data) <= set(described), (
        f"{name}: undescribed {set(data) - set(described)}"
    )


def notification(stored: StoredEvent, position: int = 1) -> Notification:
    return Notification(
        id=position,
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=stored.state,
    )


def sqlite_app(path: Path) -> SalesApplication:
    """The embedded store's application: its mapper seals personal data."""
    env = {"PERSISTENCE_MODULE": "infra.sqlite:Factory", "SQLITE_DBNAME": str(path)}
    return SalesApplication(env=env)


@pytest.fixture
def sealing_app(tmp_path: Path) -> Iterator[SalesApplication]:
    app = sqlite_app(tmp_path / "sfa.db")
    yield app
    app.close()


def values(annotation: Any) -> st.SearchStrategy[Any]:
    """Values an event field of this annotation may hold."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([values(a) for a in args])
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is tuple:
        return st.lists(values(args[0]), max_size=3).map(tuple)
    if origin is list:
        return st.lists(values(args[0]), max_size=3)
    if origin is dict and args:
        return st.dictionaries(values(args[0]), values(args[1]), max_size=3)
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

    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(event_of(catalogue()[name]))
    def published(event: Any) -> None:
        doc = encoder.document(notification(app.mapper.to_stored_event(event)))
        assert doc["type"] == name
        check_published(name, published_data(doc))

    published()


@pytest.mark.parametrize("name", PERSONAL_TYPES)
def test_sealed_events_match_their_schema(
    name: str, sealing_app: SalesApplication
) -> None:
    """Stored through the sealing mapper, each present personal value reads
    erased and is named in ``_personal``, as the schema describes."""
    encoder = CloudEventEncoder(sealing_app.mapper)
    paths = catalogue()[name].personal()

    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(event_of(catalogue()[name]))
    def published(event: Any) -> None:
        stored = sealing_app.mapper.to_stored_event(event)
        data = published_data(encoder.document(notification(stored)))
        check_published(name, data)
        held = sorted(p for p in paths if present(get_path(vars(event), p)))
        assert data.get(BOX, {}).get("fields", []) == held
        assert all(get_path(data, p) in (ERASED, []) for p in held)

    published()


def ada() -> Contact:
    return Contact(
        id=uuid4(),
        given_name="Adaqzx",
        family_name="Lovelacqzx",
        emails=("adaqzx@example.com",),
        phones=("+442079460123",),
        title="Countessqzx",
    )


def test_a_contact_as_the_relay_publishes_it_sealed(
    sealing_app: SalesApplication,
) -> None:
    """A contact saved and forgotten through the embedded store: every
    message validates, none holds a personal value, the box is described."""
    contact = ada()
    contact.rename("Adeleqzx", "Lovelacqzx")
    sealing_app.save(contact)
    run(sealing_app, forget_contact, ForgetContact(contact_id=contact.id))
    encoder = CloudEventEncoder(sealing_app.mapper)
    sent = [
        encoder.message(n)
        for n in sealing_app.recorder.select_notifications(start=1, limit=10)
    ]
    docs = [json.loads(m.value) for m in sent]
    assert [d["type"] for d in docs] == [
        "sfa.contact.registered.v1",
        "sfa.contact.renamed.v1",
        "sfa.contact.forgotten.v1",
    ]
    for message, doc in zip(sent, docs, strict=True):
        check_published(doc["type"], doc["data"])
        for secret in (b"Adaqzx", b"Adeleqzx", b"Lovelacqzx", b"2079460123"):
            assert secret not in message.value
    registered = docs[0]["data"]
    assert registered["given_name"] == ERASED
    assert (registered["emails"], registered["phones"]) == ([], [])
    assert registered[BOX]["subject"] == contact.id.hex
    assert registered[BOX]["fields"] == [
        "emails",
        "family_name",
        "given_name",
        "phones",
        "title",
    ]


def test_a_realistic_log_validates_event_by_event() -> None:
    app = memory_app()
    head = record_log(app, 1500)
    encoder = CloudEventEncoder(app.mapper)
    seen = set()
    for n in app.recorder.select_notifications(start=1, limit=head):
        doc = encoder.document(n)
        check_published(doc["type"], published_data(doc))
        seen.add(doc["type"])
    assert len(seen) >= 15


def test_a_realistic_sealed_log_validates_event_by_event(
    sealing_app: SalesApplication,
) -> None:
    head = record_log(sealing_app, 400)
    encoder = CloudEventEncoder(sealing_app.mapper)
    sealed = 0
    for n in sealing_app.recorder.select_notifications(start=1, limit=head):
        doc = encoder.document(n)
        check_published(doc["type"], published_data(doc))
        sealed += BOX in doc["data"]
    assert sealed > 50


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

    def test_a_field_newly_published_sealed_is_not(self) -> None:
        assert incompatibilities(self.base, self.changed(**{PERSONAL_KEY: ["a"]})) == [
            "t.v1: a now published sealed (personal)"
        ]
        sealed = self.changed(**{PERSONAL_KEY: ["a"]})
        assert incompatibilities(sealed, self.base) == []  # unsealed: more data

    def test_a_property_named_like_an_annotation_is_compared(self) -> None:
        nested = {"type": "object", "properties": {"title": {"type": "string"}}}
        now = self.changed(**{"$defs": {"D": {**nested, "properties": {}}}})
        old = self.changed(**{"$defs": {"D": nested}})
        assert incompatibilities(old, now) == ["t.v1: definition D removed or changed"]

    def test_titles_carry_no_contract(self) -> None:
        props = {
            k: {**v, "title": "X"} for k, v in self.base["t.v1"]["properties"].items()
        }
        assert incompatibilities(self.base, self.changed(properties=props)) == []

    def test_descriptions_carry_no_contract(self) -> None:
        props = {"a": {"type": "string", "description": "X"}, "b": {"type": "integer"}}
        assert incompatibilities(self.base, self.changed(properties=props)) == []


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}", file=sys.stderr)
