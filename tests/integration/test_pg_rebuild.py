"""A rebuild on PostgreSQL: it first gives the log planner statistics; it
catches up without the indexes only the queries read
(``View.query_indexes``), builds them once its rows are in, and swaps in
tables with the live view's indexes (the declared ones under their live
names) and rows."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from benchmarks.projections_workload import record_log
from infra.projection_host import ProjectionHost
from projections.agenda import Agenda
from projections.contact_history import ContactHistory
from projections.lists import Lists
from projections.runner import Runner
from projections.view import View
from tests.integration.engines import OneEngine as Engine
from tests.integration.engines import one_engine
from tests.services import admin_cursor
from tests.view_rows import sorted_rows

SCHEMA = "sfa_test_rebuild"
VIEWS = "sfa_test_rebuild_views"


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    with one_engine(postgres_url, SCHEMA, VIEWS) as made:
        yield made


def indexes(url: str, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of each index on ``tables``, the definition with
    the index's name left out (a rebuilt table keeps the names PostgreSQL
    gave its primary key and trigram indexes)."""
    with admin_cursor(url) as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = %s AND tablename = ANY(%s)",
            [VIEWS, tables],
        )
        found = cursor.fetchall()
    return sorted(
        (name, re.sub(r"INDEX \S+ ON", "INDEX ON", definition))
        for name, definition in found
    )


def declared(found: list[tuple[str, str]], view: type[View]) -> set[str]:
    names = {f"{view.name}_{index}" for index in view.indexes}
    return {name for name, _ in found if name.removesuffix("__rebuild") in names}


@pytest.mark.parametrize("view", [ContactHistory, Lists, Agenda], ids=lambda v: v.name)
def test_a_rebuilt_view_has_the_live_views_indexes_and_rows(
    engine: Engine, postgres_url: str, view: type[View]
) -> None:
    # given a live view kept up with a log
    app, store = engine
    record_log(app, 300)
    Runner(view(), store, app, batch_size=100).catch_up()
    tables = [f"{view.name}_{table}" for table in view.tables]
    live, live_rows = indexes(postgres_url, tables), sorted_rows(store, view)
    assert declared(live, view) == {f"{view.name}_{i}" for i in view.indexes}
    # when it is rebuilt, twice (the second beside tables the first renamed)
    host = ProjectionHost(app, store, views=(view,))
    for _ in range(2):
        host.rebuild(view.name)
        # then it has the same indexes (declared ones under the same names)
        # and rows, and no index is left under a rebuild's name
        now = indexes(postgres_url, tables)
        assert sorted(d for _, d in now) == sorted(d for _, d in live)
        assert declared(now, view) == declared(live, view)
        assert sorted_rows(store, view) == live_rows
        assert indexes(postgres_url, [f"{t}__rebuild" for t in tables]) == []


def test_a_catching_up_rebuild_lacks_only_the_query_indexes(
    engine: Engine, postgres_url: str
) -> None:
    app, store = engine
    record_log(app, 100)
    Runner(ContactHistory(), store, app, shadow=True, batch_size=30).catch_up()
    shadow = ["contact_history_entries__rebuild"]
    made = {name for name, _ in indexes(postgres_url, shadow)}
    assert "contact_history_by_contact__rebuild" in made
    assert "contact_history_by_account__rebuild" not in made
    store.complete(ContactHistory, shadow=True)
    made = {name for name, _ in indexes(postgres_url, shadow)}
    assert "contact_history_by_account__rebuild" in made


def test_a_rebuild_first_gives_the_log_planner_statistics(
    engine: Engine, postgres_url: str
) -> None:
    # given a log never analyzed (no autovacuum run yet)
    app, store = engine
    head = record_log(app, 200)

    def counted_rows() -> float:
        with admin_cursor(postgres_url) as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = CAST(%s AS regclass)",
                [f"{SCHEMA}.sfa_events"],
            )
            row = cursor.fetchone()
        assert row is not None
        return float(row[0])

    assert counted_rows() == -1
    # when a view is rebuilt, then the planner knows the log's size
    ProjectionHost(app, store, views=(Agenda,)).rebuild(Agenda.name)
    assert counted_rows() == head


def test_the_swap_keeps_the_rebuilt_indexes_and_their_statistics(
    engine: Engine, postgres_url: str
) -> None:
    # given a live view and a rebuilt copy beside it, completed
    app, store = engine
    record_log(app, 200)
    Runner(Lists(), store, app).catch_up()
    Runner(Lists(), store, app, shadow=True, batch_size=50).catch_up()
    store.complete(Lists, shadow=True)

    def index_oids(suffix: str) -> dict[str, int]:
        with admin_cursor(postgres_url) as cursor:
            cursor.execute(
                "SELECT c.relname, c.oid FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND c.relkind = 'i' AND c.relname = ANY(%s)",
                [VIEWS, [f"lists_{index}{suffix}" for index in Lists.indexes]],
            )
            return {
                str(name).removesuffix(suffix): int(oid)
                for name, oid in cursor.fetchall()
            }

    rebuilt = index_oids("__rebuild")
    assert set(rebuilt) == {f"lists_{index}" for index in Lists.indexes}
    # when it is swapped in
    store.swap(Lists)
    # then the live names are the rebuilt indexes themselves (renamed, not
    # built again), and the tables have planner statistics
    assert index_oids("") == rebuilt
    with admin_cursor(postgres_url) as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stats WHERE schemaname = %s AND tablename = %s",
            [VIEWS, "lists_contacts"],
        )
        row = cursor.fetchone()
    assert row is not None and row[0] > 0
