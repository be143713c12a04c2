"""The key table on PostgreSQL: writers racing to make a subject's first key
all get the one key; a destroyed key stays destroyed."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from uuid import uuid4

import pytest

from infra.personal_keys import PgKeyTable
from infra.pg_datastore import PgDatastore
from tests.services import drop_schema

SCHEMA = "sfa_test_personal_keys"


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
