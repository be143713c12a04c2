"""A rebuild decoding its pages in a process of its own (``PageReader``) on
PostgreSQL: its pages are those read in the runner's process, and the views
it rebuilds equal the live ones, a forgotten contact included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from commands import accounts, activities, contacts
from commands.application import SalesApplication
from commands.personal_data import ForgetContact, forget_contact
from infra import projection_host
from infra.page_reader import PageReader
from infra.pg_datastore import PgDatastore
from infra.projection_host import ProjectionHost
from infra.settings import Settings
from infra.view_store import PgViewStore
from projections.agenda import Agenda
from projections.contact_history import ContactHistory
from projections.lists import Lists
from projections.runner import read_page
from tests.services import drop_schema
from tests.unit.helpers import run

SCHEMA = "sfa_test_page_reader"
VIEWS_SCHEMA = "sfa_test_page_reader_views"
CHOSEN = (ContactHistory, Lists, Agenda)
Engine = tuple[SalesApplication, PgViewStore]


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    for schema in (SCHEMA, VIEWS_SCHEMA):
        drop_schema(postgres_url, schema)
    env = Settings(database_url=postgres_url).persistence_env()
    app = SalesApplication(env={**env, "SFA_DB_SCHEMA": SCHEMA})
    datastore = PgDatastore(postgres_url, schema=VIEWS_SCHEMA)
    yield app, PgViewStore(datastore, schema=VIEWS_SCHEMA)
    datastore.close()
    app.close()
    for schema in (SCHEMA, VIEWS_SCHEMA):
        drop_schema(postgres_url, schema)


def populate(app: SalesApplication) -> None:
    """Contacts with personal data at an account, activities with them, and
    one contact forgotten half way."""
    account = run(app, accounts.open_account, accounts.OpenAccount(name="Acme"))
    made = []
    for n in range(12):
        command = contacts.RegisterContact(
            given_name=f"Ada{n}",
            family_name="Lovelace",
            emails=(f"ada{n}@example.com",),
            account_id=account.aggregate.id,
        )
        contact = run(app, contacts.register_contact, command).aggregate.id
        made.append(contact)
        logged = activities.LogActivity(
            kind="call",
            purpose="demo",
            contact_id=contact,
            notes=f"spoke {n}",
            outcome="connected",
            duration_minutes=3,
        )
        run(app, activities.log_activity, logged)
        if n == 6:
            run(app, forget_contact, ForgetContact(contact_id=made[2]))


def rows(store: PgViewStore, view: Any) -> dict[str, list[str]]:
    found = {}
    with store.transaction() as cursor:
        for table, name in store.names(view).mapping.items():
            cursor.execute(f"SELECT * FROM {name} ORDER BY 1")
            found[table] = sorted(map(repr, cursor.fetchall()))
    return found


def test_its_pages_are_those_read_in_process(engine: Engine) -> None:
    app, _ = engine
    populate(app)
    head = app.recorder.max_notification_id() or 0
    reader = PageReader(app, [], 7)
    try:
        for start in range(0, head, 7):
            positions, events, stop = reader(start, head)
            local = read_page(app, [], start, head, 7)
            assert (positions, stop) == (local[0], local[2])
            assert [(type(e), vars(e)) for e in events] == [
                (type(e), vars(e)) for e in local[1]
            ]
    finally:
        reader.close()


def test_a_rebuild_through_it_equals_the_live_views(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a log, and the views caught up live
    app, store = engine
    populate(app)
    host = ProjectionHost(app, store, views=CHOSEN)
    for view in CHOSEN:
        host.runner(view.name).catch_up()
    live = {view.name: rows(store, view) for view in CHOSEN}
    # when each is rebuilt in small batches, pages read ahead by the reader
    monkeypatch.setattr(projection_host, "READER_MIN", 0)
    monkeypatch.setattr(projection_host, "REBUILD_BATCH", 5)
    calls = []
    original = PageReader.__call__

    def counted(self: PageReader, start: int, stop: int) -> Any:
        calls.append(start)
        return original(self, start, stop)

    monkeypatch.setattr(PageReader, "__call__", counted)
    for view in CHOSEN:
        host.rebuild(view.name)
    # then the reader read pages, and the rebuilt tables equal the live ones
    assert calls
    assert {view.name: rows(store, view) for view in CHOSEN} == live
