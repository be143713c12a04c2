"""Views on PostgreSQL: batches with their position in one transaction,
concurrent runners applying each event once, and an atomic rebuild."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from commands import contacts
from commands.application import SalesApplication
from infra.pg_datastore import PgDatastore
from infra.settings import Settings
from infra.view_store import PgViewStore
from projections.contact_history import ContactHistory
from projections.runner import Runner
from tests.services import admin_cursor, drop_schema
from tests.unit.helpers import run

SCHEMA = "sfa_test_views"
VIEWS = "sfa_test_projections"


@pytest.fixture
def engine(postgres_url: str) -> Iterator[tuple[SalesApplication, PgViewStore]]:
    for schema in (SCHEMA, VIEWS):
        drop_schema(postgres_url, schema)
    env = {**Settings(database_url=postgres_url).persistence_env()}
    app = SalesApplication(env={**env, "SFA_DB_SCHEMA": SCHEMA})
    datastore = PgDatastore(postgres_url, schema=VIEWS)
    yield app, PgViewStore(datastore, schema=VIEWS)
    datastore.close()
    app.close()


def register(app: SalesApplication, n: int) -> UUID:
    command = contacts.RegisterContact(given_name="Ada", family_name=f"L{n}")
    return UUID(str(run(app, contacts.register_contact, command).aggregate.id))


def entries(store: PgViewStore) -> list[Any]:
    with store.transaction() as cursor:
        cursor.execute(
            "SELECT position, contact_id, event_type FROM"
            f" {store.qualified('contact_history_entries')} ORDER BY position"
        )
        return list(cursor.fetchall())


class TestPgViews:
    def test_concurrent_runners_apply_each_event_once(
        self, engine: tuple[SalesApplication, PgViewStore]
    ) -> None:
        app, store = engine
        for n in range(60):
            register(app, n)
        runners = [Runner(ContactHistory(), store, app, batch_size=7) for _ in range(4)]
        errors: list[BaseException] = []

        def catch_up(runner: Runner) -> None:
            try:
                runner.catch_up()
            except BaseException as e:  # a duplicate apply would land here
                errors.append(e)

        threads = [threading.Thread(target=catch_up, args=(r,)) for r in runners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert [row[0] for row in entries(store)] == list(range(1, 61))
        assert store.position("contact_history") == 60

    def test_rebuild_swaps_in_the_same_rows(
        self, engine: tuple[SalesApplication, PgViewStore]
    ) -> None:
        app, store = engine
        for n in range(25):
            register(app, n)
        Runner(ContactHistory(), store, app, batch_size=4).catch_up()
        before = entries(store)
        seen: list[tuple[int, int]] = []
        rebuild = Runner(ContactHistory(), store, app, shadow=True, batch_size=10)
        rebuild.catch_up(progress=lambda done, total: seen.append((done, total)))
        assert entries(store) == before  # readers still see the live view
        store.swap(ContactHistory)
        assert entries(store) == before
        assert seen[-1] == (25, 25)
        assert store.position("contact_history") == 25
        assert store.position("contact_history__rebuild") == 0


def test_catch_up_survives_a_lost_connection(
    postgres_url: str, engine: tuple[SalesApplication, PgViewStore]
) -> None:
    """Given a view store whose connections are killed once, catch-up still
    reaches the head (the failed batch rolled back and ran again)."""
    app, store = engine
    for n in range(30):
        register(app, n)
    runner = Runner(ContactHistory(), store, app, batch_size=5)
    runner.step()
    with admin_cursor(postgres_url) as curs:
        curs.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'sfa' AND datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
    assert runner.catch_up() > 0
    assert store.position("contact_history") == 30
    assert [row[0] for row in entries(store)] == list(range(1, 31))
