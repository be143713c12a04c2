"""``sfa demo seed`` on PostgreSQL at the tiny scale: it records the same
events as on any other store for the same seed, refuses a second run, and
every view, followed live and rebuilt, has the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from api.cli import main
from commands.application import SalesApplication
from domain.pipeline import DEFAULT_PIPELINE_ID
from infra.demo.seed import seed
from infra.pg_datastore import PgDatastore
from infra.projection_host import ProjectionHost
from infra.settings import Settings
from infra.view_store import PgViewStore
from tests.services import admin_cursor, drop_schema
from tests.unit.helpers import memory_app
from tests.unit.test_demo_seed import recorded

pytestmark = pytest.mark.postgres

SCHEMA = "sfa_test_demo_seed"
VIEWS = "sfa_test_demo_seed_views"
UNTIL = "2026-11-01"


@pytest.fixture
def app(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for schema in (SCHEMA, VIEWS):
        drop_schema(postgres_url, schema)
    monkeypatch.setenv("SFA_DATABASE_URL", postgres_url)
    monkeypatch.setenv("SFA_DB_SCHEMA", SCHEMA)
    assert main(["demo", "seed", "--scale", "tiny", "--until", UNTIL]) == 0
    env = Settings(database_url=postgres_url).persistence_env()
    app = SalesApplication(env={**env, "SFA_DB_SCHEMA": SCHEMA})
    yield app
    app.close()
    for schema in (SCHEMA, VIEWS):
        drop_schema(postgres_url, schema)


def seeders(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["originator_id"] != DEFAULT_PIPELINE_ID]


def view_rows(url: str) -> dict[str, list[str]]:
    with admin_cursor(url) as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = %s AND table_name != 'positions'",
            [VIEWS],
        )
        names = [n for (n,) in cursor.fetchall()]
        found = {}
        for name in names:
            cursor.execute(f'SELECT * FROM "{VIEWS}"."{name}"')
            found[name] = sorted(map(repr, cursor.fetchall()))
        return found


def test_seeded_on_postgres_as_anywhere_views_full_and_rebuilt_equal(
    app: SalesApplication, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = memory_app()
    seed(elsewhere, 1, "tiny", date.fromisoformat(UNTIL))
    assert seeders(recorded(app)) == seeders(recorded(elsewhere))

    head = app.recorder.max_notification_id()
    assert main(["demo", "seed", "--scale", "tiny", "--until", UNTIL]) == 2
    assert "empty store only" in capsys.readouterr().err
    assert app.recorder.max_notification_id() == head

    datastore = PgDatastore(postgres_url, schema=VIEWS)
    host = ProjectionHost(app, PgViewStore(datastore, schema=VIEWS))
    try:
        for runner in host.runners.values():
            runner.catch_up()
        live = view_rows(postgres_url)
        assert len(live) > 30
        assert [name for name, rows in live.items() if not rows] == []
        for name in host.runners:
            host.rebuild(name)
        assert view_rows(postgres_url) == live
    finally:
        host.close()
        datastore.close()
