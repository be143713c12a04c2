"""The catalogue and orders on PostgreSQL: one SKU, one product, and one
order per deal, when writers race from many threads and two engines; the
catalogue view's search (with its trigram index) and rebuild; the orders
list."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from commands import accounts, opportunities
from commands import knowledge as kn
from commands import orders as cmd_orders
from commands import products as cmd
from commands.application import SalesApplication
from commands.base import Caller, Context, IdReused, Outcome, execute
from commands.pipelines import ensure_default_pipeline
from domain.order import order_id_for
from domain.product import product_id_for
from infra.view_store import PgViewStore
from projections.catalog import Catalog
from projections.catalog_query import knowledge, products
from projections.commerce import Commerce
from projections.commerce_query import orders
from projections.runner import Runner
from tests.integration.engines import Engine, two_engines
from tests.services import admin_cursor
from tests.unit.helpers import event_names, run
from tests.view_rows import view_rows

pytestmark = pytest.mark.postgres

SCHEMA = "sfa_test_catalog"
VIEWS = "sfa_test_catalog_views"
ADMIN = Context(Caller("root", frozenset({"admin"})))
RACERS = 12


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    with two_engines(postgres_url, SCHEMA, VIEWS) as engines:
        yield engines


def racer(app: SalesApplication, n: int, start: threading.Barrier) -> Any:
    """Half the racers send one body, half another (a different name)."""
    command = cmd.IntroduceProduct(
        sku="RACE-1", name=f"Van {n % 2}", list_price=Decimal(1), currency="EUR"
    )
    start.wait()
    try:
        outcome: Outcome = execute(cmd.introduce_product, app, command, ADMIN)
    except IdReused as refused:
        return refused.rule
    return ("created" if outcome.created else "repeat", n % 2)


def test_one_sku_names_one_product_under_racing_writers(engine: Engine) -> None:
    """Given twelve threads on two engines introducing the same SKU at once,
    half with another name: one product is recorded, with one event; every
    racer with the winner's body is answered with it (created once, else a
    repeat), every other one is refused with ``sku_taken``."""
    one, two, _ = engine
    start = threading.Barrier(RACERS)
    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(
            pool.map(lambda n: racer((one, two)[n % 2], n, start), range(RACERS))
        )
    product_id = product_id_for("RACE-1")
    assert event_names(one, product_id) == ["Introduced"]
    winner: str = one.repository.get(product_id).name
    won = int(winner[-1])
    created = [a for a in answers if a == ("created", won)]
    assert len(created) == 1
    assert sorted(map(str, answers)) == sorted(
        [str(("created", won))]
        + [str(("repeat", won))] * (RACERS // 2 - 1)
        + ["sku_taken"] * (RACERS // 2)
    )


def test_the_view_searches_with_its_trigram_index(
    engine: Engine, postgres_url: str
) -> None:
    app, _, store = engine
    made = []
    for n in range(30):
        command = cmd.IntroduceProduct(
            sku=f"P-{n:02}",
            name=f"{'Van' if n % 3 else 'Truck'} {n}",
            description="diesel" if n % 2 else "electric",
            list_price=Decimal(n),
            currency="EUR",
        )
        made.append(run(app, cmd.introduce_product, command).aggregate.id)
    entry = kn.WriteEntry(
        product_id=made[3],
        kind="competitor",
        title="Against Ford",
        body="Longer",
        competitor="Ford",
    )
    run(app, kn.write_entry, entry)
    Runner(Catalog(), store, app).catch_up()
    tables = store.names(Catalog)
    with store.transaction() as cursor:
        page = products(cursor, tables, search="truck electric", limit=100)
        found = knowledge(cursor, tables, search="ford truck")
    assert [r["sku"] for r in page.rows] == ["P-00", "P-06", "P-12", "P-18", "P-24"]
    assert [(r["title"], r["sku"]) for r in found.rows] == [("Against Ford", "P-03")]
    with admin_cursor(postgres_url) as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = %s"
            " AND indexdef LIKE %s",
            [VIEWS, "%gin_trgm_ops%"],
        )
        assert cursor.fetchone() == (2,)

    before = rows(store)
    Runner(Catalog(), store, app, shadow=True).catch_up()
    store.swap(Catalog)
    assert rows(store) == before


def rows(store: PgViewStore) -> list[Any]:
    return list(view_rows(store, Catalog, "1").values())


def test_one_order_per_deal_under_racing_writers(engine: Engine) -> None:
    """Given a won deal and twelve threads on two engines placing its order
    at once: one order is recorded; every racer gets it (created once)."""

    one, two, store = engine
    ensure_default_pipeline(one)
    account = run(one, accounts.open_account, accounts.OpenAccount(name="Acme"))
    deal = run(
        one,
        opportunities.open_opportunity,
        opportunities.OpenOpportunity(
            account_id=account.aggregate.id,
            name="Fleet",
            amount=Decimal(500),
            currency="EUR",
            expected_close_date=date(2027, 1, 1),
        ),
    ).aggregate.id
    run(
        one,
        opportunities.win_opportunity,
        opportunities.WinOpportunity(opportunity_id=deal),
    )
    start = threading.Barrier(RACERS)

    def place(n: int) -> bool:
        start.wait()
        command = cmd_orders.PlaceOrder(opportunity_id=deal)
        return execute(
            cmd_orders.place_order, (one, two)[n % 2], command, ADMIN
        ).created

    with ThreadPoolExecutor(RACERS) as pool:
        created = list(pool.map(place, range(RACERS)))
    assert sorted(created) == [False] * (RACERS - 1) + [True]
    assert event_names(one, order_id_for(deal)) == ["Placed"]

    Runner(Commerce(), store, one).catch_up()
    with store.transaction() as cursor:
        found = orders(cursor, store.names(Commerce), status="placed")
    assert [(r["order_id"], r["total"]) for r in found.rows] == [
        (order_id_for(deal), Decimal(500))
    ]
