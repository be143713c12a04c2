"""A rebuild leaves out the indexes only the queries read (``query_indexes``)
while it catches up, builds them once its rows are in, and swaps in a view
with the live view's indexes and rows (SQLite here; PostgreSQL in
tests/integration/test_pg_rebuild.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.projections_workload import record_log
from infra.bootstrap import Container, bootstrap
from infra.projection_host import VIEWS
from infra.settings import Settings
from infra.view_store import SQLiteViewStore, ViewStore
from projections.agenda import Agenda
from projections.contact_history import ContactHistory
from projections.lists import Lists
from projections.runner import Runner
from projections.view import View
from tests.view_rows import sorted_rows

DEFERRING = (ContactHistory, Lists, Agenda)


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    container = bootstrap(Settings(sqlite_path=tmp_path / "sfa.db", poll_interval=5))
    yield container
    container.close()


def indexes(store: ViewStore, view: type[View]) -> list[tuple[str, str]]:
    """(name, definition) of every index on the view's tables."""
    assert isinstance(store, SQLiteViewStore)
    tables = [f"projections_{view.name}_{t}" for t in view.tables]
    with store.reading() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            f" AND tbl_name IN ({', '.join(['%s'] * len(tables))}) ORDER BY name",
            tables,
        )
        return list(cursor.fetchall())


def test_query_indexes_are_among_the_views_indexes() -> None:
    for view in VIEWS:
        assert view.query_indexes <= view.indexes.keys(), view.name
    for view in DEFERRING:
        assert view.query_indexes, view.name


@pytest.mark.parametrize("view", DEFERRING, ids=lambda v: v.name)
def test_a_rebuilt_view_has_the_live_views_indexes_and_rows(
    container: Container, view: type[View]
) -> None:
    # given a live view kept up with a log
    app, host = container.app, container.projections
    record_log(app, 400)
    host.runner(view.name).catch_up()
    live_indexes, live_rows = indexes(host.store, view), sorted_rows(host.store, view)
    suffixes = {name.rsplit(view.name + "_", 1)[1] for name, _ in live_indexes}
    assert suffixes >= view.indexes.keys()
    # when it is rebuilt
    host.rebuild(view.name)
    # then it has the same indexes, under the same names, and the same rows
    assert indexes(host.store, view) == live_indexes
    assert sorted_rows(host.store, view) == live_rows


def test_a_catching_up_rebuild_lacks_only_the_query_indexes(
    container: Container,
) -> None:
    app, store = container.app, container.projections.store
    record_log(app, 100)
    Runner(ContactHistory(), store, app, shadow=True, batch_size=30).catch_up()
    made = {name for name, _ in indexes_of(store, "contact_history_entries__rebuild")}
    assert "projections_contact_history_by_contact__rebuild" in made
    assert "projections_contact_history_by_account__rebuild" not in made
    store.complete(ContactHistory, shadow=True)
    made = {name for name, _ in indexes_of(store, "contact_history_entries__rebuild")}
    assert "projections_contact_history_by_account__rebuild" in made


def indexes_of(store: ViewStore, table: str) -> list[tuple[str, str]]:
    with store.reading() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            " AND tbl_name = %s",
            [f"projections_{table}"],
        )
        return list(cursor.fetchall())
