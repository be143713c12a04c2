"""Views rebuilt as of a past position or moment equal the live view as it
stood then; the live views are never touched."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api.cli import main
from commands import contacts
from commands.application import SalesApplication
from infra import point_in_time
from infra.bootstrap import bootstrap
from infra.pg_datastore import PgDatastore
from infra.settings import Settings
from infra.view_store import PgViewStore, SQLiteViewStore, ViewStore
from projections.lists import Lists
from projections.runner import Runner
from projections.view import View
from tests.services import drop_schema
from tests.unit.helpers import run

SCHEMA, VIEWS, TARGET = "sfa_test_asof", "sfa_test_asof_views", "sfa_test_asof_then"


def rows(store: ViewStore, view: type[View]) -> dict[str, list[Any]]:
    """Every row of every table of the view, sorted."""
    found = {}
    with store.transaction() as cursor:
        for table in view.tables:
            cursor.execute(f"SELECT * FROM {store.qualified(f'{view.name}_{table}')}")
            found[table] = sorted(cursor.fetchall(), key=repr)
    return found


def register(app: SalesApplication, n: int) -> Any:
    command = contacts.RegisterContact(given_name="Ada", family_name=f"L{n}")
    return run(app, contacts.register_contact, command).aggregate


def rename_all(app: SalesApplication, records: list[Any]) -> None:
    for record in records:
        command = contacts.ChangeContactDetails(
            contact_id=record.id, family_name=f"{record.family_name}-later"
        )
        run(app, contacts.change_contact_details, command)


def history(app: SalesApplication, live: ViewStore) -> tuple[int, dict[str, Any]]:
    """Five contacts; the live view's rows at that point; then later changes
    the view also applies. Returns the position and the rows then."""
    records = [register(app, n) for n in range(5)]
    then = app.recorder.max_notification_id() or 0
    runner = Runner(Lists(), live, app)
    runner.catch_up()
    before = rows(live, Lists)
    rename_all(app, records)
    records.append(register(app, 9))
    runner.catch_up()
    assert rows(live, Lists) != before
    return then, before


@pytest.fixture
def pg(postgres_url: str) -> Iterator[tuple[SalesApplication, PgViewStore, str]]:
    for schema in (SCHEMA, VIEWS, TARGET):
        drop_schema(postgres_url, schema)
    env = Settings(database_url=postgres_url).persistence_env()
    app = SalesApplication(env={**env, "SFA_DB_SCHEMA": SCHEMA})
    store = PgViewStore(PgDatastore(postgres_url, schema=VIEWS), schema=VIEWS)
    yield app, store, postgres_url
    store.close()
    app.close()


class TestOnPostgres:
    def test_into_a_schema_equals_the_live_view_then(
        self, pg: tuple[SalesApplication, PgViewStore, str]
    ) -> None:
        app, live, url = pg
        then, before = history(app, live)
        after = rows(live, Lists)
        settings = Settings(database_url=url)
        target = point_in_time.target_store(settings, TARGET)
        assert point_in_time.rebuild_as_of(app, Lists, target, then) == then
        assert rows(target, Lists) == before
        assert rows(live, Lists) == after  # the live view is untouched
        target.close()

    def test_into_a_file_from_postgres(
        self, pg: tuple[SalesApplication, PgViewStore, str], tmp_path: Path
    ) -> None:
        app, live, url = pg
        then, _ = history(app, live)
        target = point_in_time.target_store(
            Settings(database_url=url), str(tmp_path / "then.db")
        )
        assert isinstance(target, SQLiteViewStore)
        point_in_time.rebuild_as_of(app, Lists, target, then)
        names = [r[3] for r in rows(target, Lists)["contacts"]]
        assert len(names) == 5 and not any("later" in str(n) for n in names)

    def test_the_live_schema_is_refused(self, postgres_url: str) -> None:
        with pytest.raises(point_in_time.BadTarget):
            point_in_time.target_store(
                Settings(database_url=postgres_url), "projections"
            )


class TestCommandLine:
    @pytest.fixture
    def engine(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> Iterator[tuple[SalesApplication, ViewStore]]:
        path = tmp_path / "sfa.db"
        monkeypatch.setenv("SFA_SQLITE_PATH", str(path))
        monkeypatch.delenv("SFA_DATABASE_URL", raising=False)
        container = bootstrap(Settings(sqlite_path=path), seed=False)
        yield container.app, container.projections.store
        container.close()

    def test_as_of_a_position_and_a_moment(
        self, engine: tuple[SalesApplication, ViewStore], tmp_path: Path
    ) -> None:
        app, live = engine
        records = [register(app, n) for n in range(3)]
        then = app.recorder.max_notification_id() or 0
        Runner(Lists(), live, app).catch_up()
        before = rows(live, Lists)
        time.sleep(0.01)
        moment = datetime.now(UTC).isoformat()
        time.sleep(0.01)
        rename_all(app, records)
        for as_of in (str(then), moment):
            out = tmp_path / f"then-{as_of[:4]}.db"
            args = ["projections", "rebuild", "lists", "--as-of", as_of]
            assert main([*args, "--into", str(out)]) == 0
            assert rows(SQLiteViewStore(out), Lists) == before

    @pytest.mark.parametrize(
        "args",
        [
            ["--as-of", "5"],  # no --into
            ["--as-of", "last tuesday", "--into", "x.db"],
        ],
    )
    def test_bad_arguments_exit_2(
        self, engine: tuple[SalesApplication, ViewStore], args: list[str]
    ) -> None:
        assert main(["projections", "rebuild", "lists", *args]) == 2

    def test_the_live_file_is_refused(
        self, engine: tuple[SalesApplication, ViewStore], tmp_path: Path
    ) -> None:
        live = str(tmp_path / "sfa.db")
        args = ["projections", "rebuild", "lists", "--as-of", "1", "--into", live]
        assert main(args) == 2
