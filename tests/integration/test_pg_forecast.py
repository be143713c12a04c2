"""The forecast on PostgreSQL: the same scripted history and hand-computed
figures as on SQLite (amounts as NUMERIC, times as TIMESTAMPTZ), events in
the PostgreSQL store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from commands.application import SalesApplication
from infra.pg_datastore import PgDatastore
from infra.settings import Settings
from infra.view_store import PgViewStore
from tests.services import drop_schema
from tests.unit import test_forecast as on_sqlite
from tests.unit.forecast_world import History
from tests.unit.test_forecast import script

SCHEMA = "sfa_test_forecast"
VIEWS = "sfa_test_forecast_views"


@pytest.fixture
def history(postgres_url: str) -> Iterator[History]:
    for schema in (SCHEMA, VIEWS):
        drop_schema(postgres_url, schema)
    env = {**Settings(database_url=postgres_url).persistence_env()}
    app = SalesApplication(env={**env, "SFA_DB_SCHEMA": SCHEMA})
    datastore = PgDatastore(postgres_url, schema=VIEWS)
    yield script(History(app, PgViewStore(datastore, schema=VIEWS)))
    datastore.close()
    app.close()


class TestPgForecastProjection(on_sqlite.TestForecastProjection):
    """Every test of the SQLite class, on PostgreSQL."""


class TestPgHistoricalMethod(on_sqlite.TestHistoricalMethod):
    """Observed stage rates, on PostgreSQL."""


class TestPgDealFlow(on_sqlite.TestDealFlow):
    """Deal flow between two moments, on PostgreSQL."""


class TestPgForecastAccuracy(on_sqlite.TestForecastAccuracy):
    """Forecast accuracy, on PostgreSQL."""


class TestPgStageTimes(on_sqlite.TestStageTimes):
    """Median days in stage and to close, on PostgreSQL."""
