"""The rep agenda on PostgreSQL: every reason from the same SQL as on SQLite
(times, dates and amounts in their native types), and a rebuild that swaps
in the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.application import SalesApplication
from infra.pg_datastore import PgDatastore
from infra.settings import Settings
from infra.view_store import PgViewStore
from projections.agenda import Agenda
from projections.runner import Runner
from tests.services import drop_schema
from tests.unit.test_agenda import TODAY, World, at, check_items, make_world, rows

SCHEMA = "sfa_test_agenda"
VIEWS = "sfa_test_agenda_views"


@pytest.fixture
def world(postgres_url: str, tmp_path: Path) -> Iterator[World]:
    for schema in (SCHEMA, VIEWS):
        drop_schema(postgres_url, schema)
    env = {**Settings(database_url=postgres_url).persistence_env()}
    app = SalesApplication(env={**env, "SFA_DB_SCHEMA": SCHEMA})
    datastore = PgDatastore(postgres_url, schema=VIEWS)
    yield make_world(tmp_path, app, PgViewStore(datastore, schema=VIEWS))
    datastore.close()
    app.close()


class TestPgAgenda:
    def test_every_reason_and_a_rebuild_with_the_same_rows(self, world: World) -> None:
        overdue, due = world.plan(at(-1, 8)), world.plan(at(0, 17))
        other = world.contact_without_account()
        promised = world.log(at(-2), contact_id=other)  # nothing planned with them
        late = world.open_deal(TODAY - timedelta(days=1))
        world.log(at(-20))  # the account's last activity: 20 days ago
        world.plan(at(3))  # ... which makes a follow-up of it planned

        assert world.agenda() == {
            "overdue": [overdue],
            "due_today": [due],
            "follow_up_missing": [promised],
            "close_date_passed": [late],
            "stale_deal": [late],
        }
        berlin = world.agenda(tz=ZoneInfo("Europe/Berlin"))
        assert berlin["due_today"] == [due]

        live = rows(world.store)
        rebuild = Runner(Agenda(), world.store, world.app, shadow=True, batch_size=4)
        rebuild.catch_up()
        world.store.swap(Agenda)
        assert rows(world.store) == live
        assert world.agenda()["stale_deal"] == [late]

    def test_items_in_postgresql_s_own_types(self, world: World) -> None:
        check_items(world)
