"""The key table on PostgreSQL: writers racing to make a subject's first key
all get the one key; a destroyed key stays destroyed; a record's own new key
is recorded with its creation, or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any, cast
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from commands.application import SalesApplication
from commands.base import Caller, Context, execute
from commands.contacts import RegisterContact, register_contact
from domain.contact import Contact
from infra.personal_keys import PgKeyTable
from infra.pg_datastore import PgDatastore
from infra.settings import Settings
from tests.services import drop_schema

SCHEMA = "sfa_test_personal_keys"
APP_SCHEMA = "sfa_test_personal_keys_app"
ADMIN = Context(Caller("root", frozenset({"admin"})))


@pytest.fixture
def table(postgres_url: str) -> Iterator[PgKeyTable]:
    drop_schema(postgres_url, SCHEMA)
    datastore = PgDatastore(postgres_url, schema=SCHEMA, pool_size=16)
    keys = PgKeyTable(datastore, events="sfa_events", keys="sfa_personal_keys")
    keys.create_table()
    yield keys
    datastore.close()
    drop_schema(postgres_url, SCHEMA)


def made_at_once(table: PgKeyTable, writers: int) -> list[tuple[bool, bytes | None]]:
    subject, start = uuid4(), Barrier(writers)

    def make(_: int) -> tuple[bool, bytes | None]:
        start.wait()
        return table.fetch_key(subject, create=True)

    with ThreadPoolExecutor(writers) as pool:
        return list(pool.map(make, range(writers)))


def test_writers_racing_to_make_a_key_all_get_the_same_one(table: PgKeyTable) -> None:
    for _ in range(20):
        found = made_at_once(table, 8)
        assert found[0][1] is not None
        assert set(found) == {(True, found[0][1])}


def test_a_destroyed_key_is_not_made_again(table: PgKeyTable) -> None:
    subject = uuid4()
    table.fetch_key(subject, create=True)
    table.destroy([subject])
    assert table.fetch_key(subject, create=True) == (True, None)
    assert table.fetch_key(uuid4(), create=False) == (False, None)


@pytest.fixture
def apps(postgres_url: str) -> Iterator[tuple[SalesApplication, SalesApplication]]:
    """Two applications on one store, as two processes would be."""
    drop_schema(postgres_url, APP_SCHEMA)
    env = {**Settings(database_url=postgres_url).persistence_env()}
    pair = [SalesApplication(env={**env, "SFA_DB_SCHEMA": APP_SCHEMA}) for _ in "ab"]
    yield pair[0], pair[1]
    for app in pair:
        app.close()
    drop_schema(postgres_url, APP_SCHEMA)


def key_row(app: SalesApplication, subject: UUID) -> tuple[bool, bytes | None]:
    table: PgKeyTable = cast(Any, app.mapper).keys.table
    return table.fetch_key(subject, create=False)


def register(app: SalesApplication, contact_id: UUID | None = None) -> UUID:
    command = RegisterContact(id=contact_id, given_name="Ada", family_name="King")
    return UUID(str(execute(register_contact, app, command, ADMIN).aggregate.id))


def test_a_new_contacts_key_is_recorded_with_its_registration(
    apps: tuple[SalesApplication, SalesApplication],
) -> None:
    first, second = apps
    contact_id = register(first)
    assert key_row(first, contact_id)[1] is not None
    assert second.repository.get(contact_id).family_name == "King"


def test_a_key_stored_before_the_registration_seals_it(
    apps: tuple[SalesApplication, SalesApplication],
) -> None:
    """A key made for an attempt that recorded nothing (or by another
    process first) is the one the registration is sealed under."""
    first, second = apps
    contact_id = uuid4()
    made = cast(Any, first.mapper).keys.table.fetch_key(contact_id, create=True)
    assert register(second, contact_id) == contact_id
    assert key_row(first, contact_id) == made
    assert first.repository.get(contact_id).family_name == "King"


def test_a_write_refused_records_no_key(
    apps: tuple[SalesApplication, SalesApplication],
) -> None:
    first, _ = apps
    contact = Contact(id=uuid4(), given_name="Ada", family_name="King")
    with pytest.raises(IntegrityError):
        first.save(contact, expect={uuid4(): 1})  # relied on a record not there
    assert key_row(first, contact.id) == (False, None)


def test_a_lost_race_to_create_keeps_the_winners_key(
    apps: tuple[SalesApplication, SalesApplication],
) -> None:
    first, second = apps
    contact_id = register(first)
    stored = key_row(first, contact_id)
    twin = Contact(id=contact_id, given_name="Bob", family_name="Lee")
    with pytest.raises(IntegrityError):
        second.save(twin)
    assert key_row(first, contact_id) == stored
    assert second.repository.get(contact_id).family_name == "King"
