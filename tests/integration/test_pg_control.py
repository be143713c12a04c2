"""The control report on PostgreSQL: the same scripted month and
hand-computed figures as on SQLite, events in the PostgreSQL store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from commands.application import SalesApplication
from infra.pg_datastore import PgDatastore
from infra.settings import Settings
from infra.view_store import PgViewStore
from tests.services import drop_schema
from tests.unit import test_control_report as on_sqlite
from tests.unit import test_territory_report as territory
from tests.unit.forecast_world import History

SCHEMA = "sfa_test_control"
VIEWS = "sfa_test_control_views"


@pytest.fixture
def world(postgres_url: str) -> Iterator[on_sqlite.World]:
    for schema in (SCHEMA, VIEWS):
        drop_schema(postgres_url, schema)
    env = {**Settings(database_url=postgres_url).persistence_env()}
    app = SalesApplication(env={**env, "SFA_DB_SCHEMA": SCHEMA})
    datastore = PgDatastore(postgres_url, schema=VIEWS)
    yield on_sqlite.script(on_sqlite.World(app, PgViewStore(datastore, schema=VIEWS)))
    datastore.close()
    app.close()


class TestPgControlReport(on_sqlite.TestControlReport):
    """Every test of the SQLite class, on PostgreSQL."""


class TestPgCorrectiveActionsBesideTheVariance(
    on_sqlite.TestCorrectiveActionsBesideTheVariance
):
    """The actions beside the variance, on PostgreSQL."""


class TestPgOnTimeSharesOfAMonthStillRunning(
    on_sqlite.TestOnTimeSharesOfAMonthStillRunning
):
    """The month still running, on PostgreSQL (facts, not tallies)."""


class TestPgTimeSpent(on_sqlite.TestTimeSpent):
    """Time spent, on PostgreSQL."""


@pytest.fixture
def history(postgres_url: str) -> Iterator[History]:
    for schema in (SCHEMA, VIEWS):
        drop_schema(postgres_url, schema)
    env = {**Settings(database_url=postgres_url).persistence_env()}
    app = SalesApplication(env={**env, "SFA_DB_SCHEMA": SCHEMA})
    datastore = PgDatastore(postgres_url, schema=VIEWS)
    yield territory.script(History(app, PgViewStore(datastore, schema=VIEWS)))
    datastore.close()
    app.close()


class TestPgTerritoryReport(territory.TestTerritoryReport):
    """The territory report, on PostgreSQL."""
