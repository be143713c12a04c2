"""The catalogue view on the SQLite store: rows that follow their records,
search and paging, and a rebuild that equals the live view."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import configurator as conf
from commands import knowledge as kn
from commands import products as cmd
from domain.base import RuleBroken
from infra.view_store import SQLiteViewStore
from projections.catalog import Catalog
from projections.catalog_query import knowledge, products
from projections.runner import Runner
from tests.unit.helpers import memory_app, run
from tests.unit.test_product import introduce
from tests.view_rows import view_rows


class World:
    def __init__(self, path: Path) -> None:
        self.app = memory_app()
        self.store = SQLiteViewStore(path / "views.db")
        self.runner = Runner(Catalog(), self.store, self.app)

    def entry(self, product_id: UUID, title: str, **fields: Any) -> UUID:
        values = {"kind": "feature", "body": "b"} | fields
        command = kn.WriteEntry.model_validate(
            {"product_id": product_id, "title": title, **values}
        )
        return UUID(str(run(self.app, kn.write_entry, command).aggregate.id))

    def products(self, **query: Any) -> Any:
        self.runner.catch_up()
        with self.store.transaction() as cursor:
            return products(cursor, self.store.names(Catalog), **query)

    def knowledge(self, **query: Any) -> Any:
        self.runner.catch_up()
        with self.store.transaction() as cursor:
            return knowledge(cursor, self.store.names(Catalog), **query)


class TestCatalogView:
    def test_a_product_row_follows_its_product(self, tmp_path: Path) -> None:
        world = World(tmp_path)
        van = introduce(world.app, "VAN-1", description="Panel van")
        group = conf.AddOptionGroup(product_id=van, key="colour", name="Colour")
        run(world.app, conf.add_option_group, group)
        price = cmd.ChangeListPrice(product_id=van, list_price=Decimal("31000.5"))
        run(world.app, cmd.change_list_price, price)
        run(
            world.app, cmd.retire_product, cmd.RetireProduct(product_id=van, reason="x")
        )
        world.entry(van, "Load length")
        (row,) = world.products().rows
        assert (row["sku"], row["status"], Decimal(str(row["list_price"]))) == (
            "VAN-1",
            "retired",
            Decimal("31000.5"),
        )
        assert (row["option_groups"], row["knowledge_entries"], row["version"]) == (
            1,
            1,
            4,
        )

    def test_search_and_paging(self, tmp_path: Path) -> None:
        world = World(tmp_path)
        for sku in ("C-3", "A-1", "B-2"):
            introduce(world.app, sku, name=f"Truck {sku}")
        introduce(world.app, "D-4", name="Van 50% off_road")
        first = world.products(limit=2)
        assert [r["sku"] for r in first.rows] == ["A-1", "B-2"]
        rest = world.products(limit=2, after=first.after)
        assert [r["sku"] for r in rest.rows] == ["C-3", "D-4"] and rest.after is None
        assert [r["sku"] for r in world.products(search="TRUCK b-2").rows] == ["B-2"]
        assert [r["sku"] for r in world.products(search="50%").rows] == ["D-4"]
        assert world.products(search="5_").rows == []  # _ is no wildcard

    def test_knowledge_is_found_by_product_text_and_renamed_product(
        self, tmp_path: Path
    ) -> None:
        world = World(tmp_path)
        van, truck = introduce(world.app, "VAN-1"), introduce(world.app, "TRK-1")
        world.entry(van, "Against Ford", kind="competitor", competitor="Ford")
        gone = world.entry(van, "Too dear", kind="objection_handling")
        world.entry(truck, "Payload")
        run(world.app, kn.archive_entry, kn.ArchiveEntry(entry_id=gone))
        rename = cmd.ChangeProductDetails(product_id=van, name="Sprinter")
        run(world.app, cmd.change_product_details, rename)
        found = world.knowledge(search="ford sprinter", status="current")
        assert [r["title"] for r in found.rows] == ["Against Ford"]
        assert found.rows[0]["product_name"] == "Sprinter"
        assert len(world.knowledge(product_id=van).rows) == 2
        assert len(world.knowledge(product_id=van, status="current").rows) == 1
        van_row = world.products(sku="VAN-1").rows[0]
        assert van_row["knowledge_entries"] == 1


def everything(world: World) -> dict[str, list[Any]]:
    return view_rows(world.store, Catalog, "1")


STEPS = st.lists(
    st.sampled_from(
        ["product", "rename", "price", "retire", "group", "entry", "revise",
         "archive", "catch_up"]
    ),
    max_size=25,
)  # fmt: skip


def random_step(world: World, step: str, made: dict[str, list[UUID]]) -> None:
    app = world.app
    products_, entries = made["product"], made["entry"]
    if step == "product":
        products_.append(introduce(app, f"P-{len(products_)}"))
    elif step == "catch_up":
        world.runner.catch_up()
    elif step == "entry" and products_:
        entries.append(world.entry(products_[-1], f"E{len(entries)}"))
    elif products_ and step in ("rename", "price", "retire", "group"):
        pid = products_[len(entries) % len(products_)]
        tag = f"{step}{len(entries)}"
        commands: dict[str, tuple[Any, Any]] = {
            "rename": (
                cmd.change_product_details,
                cmd.ChangeProductDetails(product_id=pid, name=f"N{tag}"),
            ),
            "price": (
                cmd.change_list_price,
                cmd.ChangeListPrice(product_id=pid, list_price=Decimal(len(entries))),
            ),
            "retire": (
                cmd.retire_product,
                cmd.RetireProduct(product_id=pid, reason="r"),
            ),
            "group": (
                conf.add_option_group,
                conf.AddOptionGroup(product_id=pid, key="g", name="G"),
            ),
        }
        handler, command = commands[step]
        with contextlib.suppress(RuleBroken):  # refused: records nothing
            run(app, handler, command)
    elif entries and step in ("revise", "archive"):
        entry_id = entries.pop() if step == "archive" else entries[-1]
        if step == "archive":
            run(app, kn.archive_entry, kn.ArchiveEntry(entry_id=entry_id))
        else:
            body = f"words {len(entries)}"
            run(app, kn.revise_entry, kn.ReviseEntry(entry_id=entry_id, body=body))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS, batch=st.integers(1, 7))
def test_rebuilt_view_equals_the_live_one(
    tmp_path_factory: Any, steps: list[str], batch: int
) -> None:
    """Given random commands with the live view catching up at random moments
    in random batch sizes, a rebuild from zero gives the same rows, and each
    row has its record's version."""
    world = World(tmp_path_factory.mktemp("catalog"))
    world.runner = Runner(Catalog(), world.store, world.app, batch_size=batch)
    made: dict[str, list[UUID]] = {"product": [], "entry": []}
    for step in steps:
        random_step(world, step, made)
    world.runner.catch_up()
    before = everything(world)

    Runner(Catalog(), world.store, world.app, shadow=True, batch_size=3).catch_up()
    world.store.swap(Catalog)

    assert everything(world) == before
    for row in before["products"]:
        product: Any = world.app.repository.get(UUID(row[0]))
        assert (row[11], row[2], row[6]) == (
            product.version,
            product.name,
            product.status,
        )
