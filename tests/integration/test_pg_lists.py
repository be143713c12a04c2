"""The lists view on PostgreSQL: the trigram index behind the search (also on
tables a rebuild swaps in, and a search that scans without it), paging under
ties, and a rebuild that keeps both rows and index."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from api.schemas.lists import decode_cursor, encode_cursor
from commands import accounts, activities, contacts, opportunities, pipelines
from commands.application import SalesApplication
from infra.projection_host import ProjectionHost
from infra.view_store import PgViewStore
from projections.lists import Lists
from projections.lists_query import Page, select_page
from projections.lists_rows import KEYS, SEARCHED
from projections.runner import Runner
from tests.integration.engines import OneEngine as Engine
from tests.integration.engines import one_engine
from tests.services import admin_cursor
from tests.unit.helpers import run

SCHEMA = "sfa_test_lists"
VIEWS = "sfa_test_lists_views"


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    with one_engine(postgres_url, SCHEMA, VIEWS) as made:
        yield made


def populate(app: SalesApplication) -> dict[str, UUID]:
    """40 contacts at two accounts; many share a name (ties)."""
    acme = run(app, accounts.open_account, accounts.OpenAccount(name="Acme Corp"))
    other = run(app, accounts.open_account, accounts.OpenAccount(name="Globex"))
    made = {}
    for n in range(40):
        command = contacts.RegisterContact(
            given_name="Ada" if n % 2 else "Grace",
            family_name="Hopper" if n % 5 else f"Müller{n}",
            emails=(f"person{n}@example.com",),
            account_id=(acme if n % 4 else other).aggregate.id,
        )
        made[f"c{n}"] = run(app, contacts.register_contact, command).aggregate.id
    return made


def page(store: PgViewStore, table: str, **query: Any) -> Page:
    with store.transaction() as cursor:
        return select_page(cursor, store.names(Lists), table, **query)


def walk(store: PgViewStore, table: str, sort: str, limit: int, **query: Any) -> Any:
    """Every id, page by page through cursors as a client sends them."""
    seen, after = [], None
    while True:
        found = page(store, table, sort=sort, limit=limit, after=after, **query)
        seen += [row[KEYS[table]] for row in found.rows]
        if found.after is None:
            return seen
        after = decode_cursor(encode_cursor(sort, found.after), sort)


def trigram_indexes(url: str) -> list[str]:
    with admin_cursor(url) as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_indexes WHERE schemaname = %s"
            " AND indexdef LIKE %s ORDER BY 1",
            [VIEWS, "%gin_trgm_ops%"],
        )
        return [row[0] for row in cursor.fetchall()]


class TestPgLists:
    def test_search_is_served_by_a_trigram_index(
        self, engine: Engine, postgres_url: str
    ) -> None:
        app, store = engine
        made = populate(app)
        Runner(Lists(), store, app, batch_size=9).catch_up()
        assert trigram_indexes(postgres_url) == sorted(
            f"lists_{table}" for table in SEARCHED
        )
        found = page(store, "contacts", sort="name", search="MÜLLER10 acme")
        assert [row["contact_id"] for row in found.rows] == [made["c10"]]
        assert len(page(store, "contacts", sort="name", search="globex").rows) == 10
        with store.transaction() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                f"EXPLAIN SELECT contact_id FROM {VIEWS}.lists_contacts"
                " WHERE search_text LIKE %s ESCAPE '\\'",
                ["%müller1%"],
            )
            plan = " ".join(row[0] for row in cursor.fetchall())
        assert "Bitmap Index Scan" in plan, plan

    def test_tables_a_rebuild_swaps_in_have_the_trigram_index(
        self, engine: Engine, postgres_url: str
    ) -> None:
        # given a live view, rebuilt once while the log was still empty
        app, store = engine
        host = ProjectionHost(app, store, views=(Lists,))
        host.rebuild(Lists.name)
        live = sorted(f"lists_{table}" for table in SEARCHED)
        assert trigram_indexes(postgres_url) == live
        # when records are written, caught up, and the view rebuilt again
        made = populate(app)
        host.runner(Lists.name).catch_up()
        host.rebuild(Lists.name)
        # then each live table has one trigram index, and the search uses it
        assert trigram_indexes(postgres_url) == live
        with store.transaction() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                f"EXPLAIN SELECT contact_id FROM {VIEWS}.lists_contacts"
                " WHERE search_text LIKE %s ESCAPE '\\'",
                ["%müller1%"],
            )
            plan = " ".join(row[0] for row in cursor.fetchall())
        assert "Bitmap Index Scan" in plan, plan
        found = page(store, "contacts", sort="name", search="müller10")
        assert [row["contact_id"] for row in found.rows] == [made["c10"]]

    def test_without_pg_trgm_the_view_works_and_the_search_scans(
        self,
        engine: Engine,
        postgres_url: str,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        # given an extension the database cannot create in place of pg_trgm
        app, store = engine
        setup = Lists.setup

        def missing(cls: type[Lists], kind: str) -> list[str]:
            return [s.replace("pg_trgm", "sfa_no_such_ext") for s in setup(kind)]

        monkeypatch.setattr(Lists, "setup", classmethod(missing))
        made = populate(app)
        # when the view is created and caught up
        with caplog.at_level(logging.WARNING, logger="infra.view_store"):
            Runner(Lists(), store, app).catch_up()
        # then it says so, has no trigram index, and the search still finds
        assert "sfa_no_such_ext" in caplog.text
        assert trigram_indexes(postgres_url) == []
        found = page(store, "contacts", sort="name", search="MÜLLER10 acme")
        assert [row["contact_id"] for row in found.rows] == [made["c10"]]

    @pytest.mark.parametrize("sort", ["name", "-name", "-created_at"])
    def test_paging_under_ties_skips_and_repeats_nothing(
        self, engine: Engine, sort: str
    ) -> None:
        app, store = engine
        populate(app)
        Runner(Lists(), store, app).catch_up()
        rows = page(store, "contacts", sort=sort, limit=100).rows
        everything = [row["contact_id"] for row in rows]
        assert len(set(everything)) == 40
        assert walk(store, "contacts", sort, 3) == everything
        ada = walk(store, "contacts", sort, 4, search="ada hopper")
        assert len(ada) == len(set(ada)) == 16

    def test_a_rebuild_keeps_rows_and_search_index(
        self, engine: Engine, postgres_url: str
    ) -> None:
        app, store = engine
        populate(app)
        Runner(Lists(), store, app, batch_size=7).catch_up()
        before = page(store, "contacts", sort="name", limit=100).rows
        Runner(Lists(), store, app, shadow=True, batch_size=11).catch_up()
        store.swap(Lists)
        assert page(store, "contacts", sort="name", limit=100).rows == before
        assert len(trigram_indexes(postgres_url)) == len(SEARCHED)

    @pytest.mark.parametrize("sort", ["scheduled_at", "-scheduled_at"])
    def test_paging_through_times_with_nulls_and_amounts(
        self, engine: Engine, sort: str
    ) -> None:
        app, store = engine
        made = populate(app)
        pipelines.ensure_default_pipeline(app)
        at = datetime(2030, 1, 7, 9, tzinfo=UTC)
        for n in range(9):
            fields: dict[str, Any] = {"kind": "call", "purpose": "demo"}
            fields["contact_id"] = made[f"c{n}"]
            if n % 3:
                plan = activities.PlanActivity(
                    scheduled_at=at + timedelta(hours=n % 2), **fields
                )
                run(app, activities.plan_activity, plan)
            else:
                log = activities.LogActivity(
                    outcome="connected", duration_minutes=1, **fields
                )
                run(app, activities.log_activity, log)
            deal = opportunities.OpenOpportunity(
                account_id=app.repository.get(made["c1"]).account_id,
                name="Deal",
                amount=Decimal(f"{n % 2}.50"),
                currency="EUR",
                expected_close_date=date(2030, 6, 30),
            )
            run(app, opportunities.open_opportunity, deal)
        Runner(Lists(), store, app).catch_up()
        rows = page(store, "activities", sort=sort, limit=100).rows
        assert [r["scheduled_at"] is None for r in rows] == [False] * 6 + [True] * 3
        assert walk(store, "activities", sort, 2) == [r["activity_id"] for r in rows]
        for by in ("amount", "-amount"):
            deals = page(store, "opportunities", sort=by, limit=100).rows
            ids = [r["opportunity_id"] for r in deals]
            assert walk(store, "opportunities", by, 4) == ids
