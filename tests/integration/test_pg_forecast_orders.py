"""Orders in the forecast on PostgreSQL: the same scripted history and
hand-computed figures as on SQLite, events in the PostgreSQL store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from commands.application import SalesApplication
from infra.pg_datastore import PgDatastore
from infra.settings import Settings
from infra.view_store import PgViewStore
from tests.services import drop_schema
from tests.unit import test_forecast_orders as on_sqlite
from tests.unit.forecast_world import History

SCHEMA = "sfa_test_forecast_orders"
VIEWS = "sfa_test_forecast_orders_views"


@pytest.fixture
def history(postgres_url: str) -> Iterator[History]:
    for schema in (SCHEMA, VIEWS):
        drop_schema(postgres_url, schema)
    env = {**Settings(database_url=postgres_url).persistence_env()}
    app = SalesApplication(env={**env, "SFA_DB_SCHEMA": SCHEMA})
    datastore = PgDatastore(postgres_url, schema=VIEWS)
    yield on_sqlite.script(History(app, PgViewStore(datastore, schema=VIEWS)))
    datastore.close()
    app.close()


class TestPgOrdersInTheForecast(on_sqlite.TestOrdersInTheForecast):
    """Every test of the SQLite class, on PostgreSQL."""
