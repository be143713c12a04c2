"""CloudEvents back into domain events (infra/kafka/decode.py): a view fed
from Kafka gets the very events the log gives it, sealed personal data
opened with the key table as reading the log opens it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Mapper

from benchmarks.projections_workload import record_log
from commands.application import SalesApplication
from commands.personal_data import ForgetContact, forget_contact
from domain.contact import Contact
from domain.personal import ERASED
from infra.kafka.cloudevents import CloudEventEncoder
from infra.kafka.decode import domain_event
from infra.personal_data import BOX
from infra.view_store import SQLiteViewStore, ViewStore
from projections.contact_history import ContactHistory
from projections.runner import Runner
from projections.view import Batch, Step
from tests.unit.helpers import memory_app, run


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


def sqlite_app(path: Path) -> SalesApplication:
    env = {"PERSISTENCE_MODULE": "infra.sqlite:Factory", "SQLITE_DBNAME": str(path)}
    return SalesApplication(env=env)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Path]:
    """An embedded store (its mapper seals personal data) holding a log."""
    app = sqlite_app(tmp_path / "sfa.db")
    record_log(app, 400)
    app.close()
    yield tmp_path / "sfa.db"


def both_ways(writer: SalesApplication, reader: SalesApplication) -> Iterator[Any]:
    """Each event as the writer's log gives it, and as another process (the
    reader: a view worker, its own key cache) decodes its CloudEvent."""
    encoder = CloudEventEncoder(writer.mapper)
    for notification in writer.recorder.select_notifications(start=1, limit=10**6):
        sent = json.loads(encoder.message(notification).value)
        yield (
            sent,
            writer.mapper.to_domain_event(notification),
            domain_event(sent, reader.mapper),
        )


def test_sealed_events_come_back_opened_as_from_the_log(store: Path) -> None:
    writer, reader = sqlite_app(store), sqlite_app(store)
    sealed = 0
    for sent, logged, received in both_ways(writer, reader):
        sealed += BOX in sent["data"]
        assert type(received) is type(logged)
        assert vars(received) == vars(logged), sent["type"]
    assert sealed > 50
    writer.close()
    reader.close()


def test_with_the_boxes_shut_they_come_back_as_from_the_log(store: Path) -> None:
    """A view that reads no personal value, fed from Kafka, reads what it
    reads fed from the log (``PersonalDataMapper.sealed``)."""
    writer, reader = sqlite_app(store), sqlite_app(store)
    shut_writer = writer.mapper.sealed()  # type: ignore[attr-defined]
    shut_reader = reader.mapper.sealed()  # type: ignore[attr-defined]
    encoder = CloudEventEncoder(writer.mapper)
    sealed = 0
    for notification in writer.recorder.select_notifications(start=1, limit=10**6):
        sent = json.loads(encoder.message(notification).value)
        sealed += BOX in sent["data"]
        logged = shut_writer.to_domain_event(notification)
        received = domain_event(sent, shut_reader)
        assert vars(received) == vars(logged), sent["type"]
    assert sealed > 50
    writer.close()
    reader.close()


def test_once_forgotten_they_come_back_erased_as_from_the_log(store: Path) -> None:
    writer = sqlite_app(store)
    contacts = [
        n.originator_id
        for n in writer.recorder.select_notifications(start=1, limit=10**6)
        if n.topic.endswith("Contact.Registered")
    ]
    forgotten = UUID(str(contacts[0]))
    run(writer, forget_contact, ForgetContact(contact_id=forgotten))
    reader = sqlite_app(store)
    erased = 0
    for sent, logged, received in both_ways(writer, reader):
        assert vars(received) == vars(logged), sent["type"]
        erased += bool(getattr(received, "erased", None))
    assert erased >= 1
    contact: Any = writer.repository.get(forgotten)
    assert isinstance(contact, Contact) and contact.given_name == ERASED
    writer.close()
    reader.close()


def test_without_the_key_table_a_sealed_event_reads_erased(store: Path) -> None:
    """Never the erased text taken for the value: the event names it."""
    app = sqlite_app(store)
    encoder = CloudEventEncoder(app.mapper)
    first = app.recorder.select_notifications(start=1, limit=10**6)
    sent = next(
        json.loads(encoder.message(n).value)
        for n in first
        if n.topic.endswith("Contact.Registered")
    )
    received = domain_event(sent)
    assert received.given_name == ERASED
    assert received.erased == sent["data"][BOX]["fields"]
    app.close()


def kafka_fed(
    store: ViewStore, writer: SalesApplication, mapper: Mapper[UUID] | None
) -> None:
    """Contact history applied, as a Kafka worker applies it, to the
    CloudEvents of the writer's log decoded with ``mapper``."""
    view = ContactHistory()
    store.create(ContactHistory)
    tables = store.names(ContactHistory)
    encoder = CloudEventEncoder(writer.mapper)
    with store.transaction() as cursor:
        batch = Batch(cursor)
        for n in writer.recorder.select_notifications(start=1, limit=10**6):
            event = domain_event(json.loads(encoder.message(n).value), mapper)
            view.apply(Step(cursor, tables, n.id, batch), event)
        batch.flush()


def rows(store: ViewStore) -> dict[str, list[Any]]:
    found = {}
    with store.transaction() as cursor:
        for table in ContactHistory.tables:
            cursor.execute(f"SELECT * FROM {store.qualified(NAME + '_' + table)}")
            found[table] = sorted(map(repr, cursor.fetchall()))
    return found


NAME = ContactHistory.name


def test_a_view_fed_from_kafka_equals_the_view_fed_from_the_log(
    store: Path, tmp_path: Path
) -> None:
    """Contact history shows names and notes: fed from the log, and from
    Kafka through another process's key table, it holds the same rows; fed
    without the key table, it would not."""
    writer, reader = sqlite_app(store), sqlite_app(store)
    contact = next(
        n.originator_id
        for n in writer.recorder.select_notifications(start=1, limit=10**6)
        if n.topic.endswith("Contact.Registered")
    )
    run(writer, forget_contact, ForgetContact(contact_id=UUID(str(contact))))
    from_log = SQLiteViewStore(tmp_path / "log.db")
    Runner(ContactHistory(), from_log, writer).catch_up()
    from_kafka = SQLiteViewStore(tmp_path / "kafka.db")
    kafka_fed(from_kafka, writer, reader.mapper)
    assert rows(from_kafka) == rows(from_log)
    assert len(rows(from_log)["entries"]) > 100
    keyless = SQLiteViewStore(tmp_path / "keyless.db")
    kafka_fed(keyless, writer, None)
    assert rows(keyless) != rows(from_log)
    writer.close()
    reader.close()
