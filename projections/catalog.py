"""Catalogue: products and product knowledge, as people list and search
them (``GET /products``, ``GET /knowledge``).

What must hold:
- A product row's ``version`` and ``updated_at`` are those of the product's
  last event (configurator changes included); its counts are the option
  groups, options and rules it has, and its current knowledge entries.
- A knowledge row shows its product's SKU and current name; its
  ``search_text`` (title, body, competitor, SKU and product name, case
  folded) follows a renamed product.
- ``apply`` reads only the event and the view's own rows: a rebuild gives
  the same rows.
Columns are documented in docs/read-models.md; ``catalog_query`` reads them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from domain.knowledge import KnowledgeEntry
from domain.product import Product
from projections.events import event_class
from projections.lists import CREATE_TRGM, trigram_index
from projections.view import Step, View, handles

INTRODUCED = event_class(Product, "Introduced")
WRITTEN = event_class(KnowledgeEntry, "Written")
PRODUCT_SETS = {  # event: "column=attribute ..." (``'value'`` literally)
    "PriceChanged": "list_price=new currency=currency",
    "Retired": "status='retired'",
    "Reactivated": "status='active'",
    "OptionGroupAdded": "option_groups=+1",
    "OptionGroupRemoved": "option_groups=-1",
    "OptionAdded": "options=+1",
    "OptionRemoved": "options=-1",
    "RuleAdded": "rules=+1",
    "RuleRemoved": "rules=-1",
    "OptionChanged": "",
}
PRODUCT_CHANGES = {event_class(Product, n): s for n, s in PRODUCT_SETS.items()}
KNOWLEDGE = ["title", "body", "competitor", "sku", "product_name"]


def search_text(*values: Any) -> str:
    return " ".join(str(v) for v in values if v).casefold()


def _sets(spec: str, event: Any) -> tuple[list[str], list[Any]]:
    sets, values = [], []
    for pair in spec.split():
        column, source = pair.split("=")
        if source.startswith("'"):
            sets.append(pair)
        elif source[0] in "+-":
            sets.append(f"{column} = {column} {source[0]} 1")
        else:
            sets.append(f"{column} = %s")
            values.append(getattr(event, source))
    return sets, values


class Catalog(View):
    name = "catalog"
    tables: ClassVar[dict[str, str]] = {
        "products": (
            "product_id UUID PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL,"
            " description TEXT NOT NULL, list_price NUMERIC NOT NULL,"
            " currency TEXT NOT NULL, status TEXT NOT NULL,"
            " option_groups INTEGER NOT NULL, options INTEGER NOT NULL,"
            " rules INTEGER NOT NULL, knowledge_entries INTEGER NOT NULL,"
            " version BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL,"
            " updated_at TIMESTAMPTZ NOT NULL, search_text TEXT NOT NULL"
        ),
        "knowledge": (
            "entry_id UUID PRIMARY KEY, product_id UUID NOT NULL, sku TEXT,"
            " product_name TEXT, kind TEXT NOT NULL, title TEXT NOT NULL,"
            " body TEXT NOT NULL, competitor TEXT, status TEXT NOT NULL,"
            " owner_id UUID, author TEXT NOT NULL, version BIGINT NOT NULL,"
            " created_position BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL,"
            " updated_at TIMESTAMPTZ NOT NULL, search_text TEXT NOT NULL"
        ),
    }
    indexes: ClassVar[dict[str, str]] = {
        "products_sku": "{products} (sku)",
        "knowledge_product": "{knowledge} (product_id, created_position)",
        "knowledge_position": "{knowledge} (created_position)",
    }

    @classmethod
    def setup(cls, store_kind: str) -> list[str]:
        """On PostgreSQL: trigram indexes for the searches (as ``Lists``)."""
        if store_kind != "postgres":
            return []
        return [CREATE_TRGM, *map(trigram_index, cls.tables)]

    @handles(INTRODUCED)
    def introduced(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {products} VALUES (%s, %s, %s, %s, %s, %s, 'active',"
            " 0, 0, 0, 0, %s, %s, %s, %s) ON CONFLICT (product_id) DO NOTHING",
            event.originator_id,
            event.sku,
            event.name,
            event.description,
            event.list_price,
            event.currency,
            event.originator_version,
            event.timestamp,
            event.timestamp,
            search_text(event.sku, event.name, event.description),
        )

    @handles(*PRODUCT_CHANGES)
    def product_changed(self, step: Step, event: Any) -> None:
        sets, values = _sets(PRODUCT_CHANGES[type(event)], event)
        self._touch(step, "products", "product_id", event, sets, values)

    @handles(event_class(Product, "DetailsChanged"))
    def details_changed(self, step: Step, event: Any) -> None:
        step.execute(
            "SELECT sku, name, description FROM {products} WHERE product_id = %s",
            event.originator_id,
        )
        row = step.cursor.fetchone()
        assert row is not None
        sku = row[0]
        name = event.new.get("name", row[1])
        description = event.new.get("description", row[2])
        sets = ["name = %s", "description = %s", "search_text = %s"]
        values = [name, description, search_text(sku, name, description)]
        self._touch(step, "products", "product_id", event, sets, values)
        if "name" in event.new:
            self._product_renamed(step, event.originator_id, name)

    def _product_renamed(self, step: Step, product_id: Any, name: str) -> None:
        step.execute(
            f"SELECT entry_id, {', '.join(KNOWLEDGE)} FROM {{knowledge}}"
            " WHERE product_id = %s",
            product_id,
        )
        for entry_id, *row in step.cursor.fetchall():
            text = search_text(*row[:-1], name)
            step.execute(
                "UPDATE {knowledge} SET product_name = %s, search_text = %s"
                " WHERE entry_id = %s",
                name,
                text,
                entry_id,
            )

    @handles(WRITTEN)
    def written(self, step: Step, event: Any) -> None:
        step.execute(
            "SELECT sku, name FROM {products} WHERE product_id = %s",
            event.product_id,
        )
        sku, name = step.cursor.fetchone() or (None, None)
        step.execute(
            "INSERT INTO {knowledge} VALUES (%s, %s, %s, %s, %s, %s, %s, %s,"
            " 'current', %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (entry_id) DO NOTHING",
            event.originator_id,
            event.product_id,
            sku,
            name,
            event.kind,
            event.title,
            event.body,
            event.competitor,
            event.owner_id,
            event.actor,
            event.originator_version,
            step.position,
            event.timestamp,
            event.timestamp,
            search_text(event.title, event.body, event.competitor, sku, name),
        )
        self._count(step, event.product_id, "+")

    @handles(event_class(KnowledgeEntry, "Revised"))
    def revised(self, step: Step, event: Any) -> None:
        step.execute(
            f"SELECT kind, {', '.join(KNOWLEDGE)} FROM {{knowledge}}"
            " WHERE entry_id = %s",
            event.originator_id,
        )
        found = step.cursor.fetchone()
        assert found is not None
        row = dict(zip(["kind", *KNOWLEDGE], found, strict=True)) | event.new
        sets = [f"{c} = %s" for c in ("kind", "title", "body", "competitor")]
        values = [row[c] for c in ("kind", "title", "body", "competitor")]
        sets.append("search_text = %s")
        values.append(search_text(*(row[c] for c in KNOWLEDGE)))
        self._touch(step, "knowledge", "entry_id", event, sets, values)

    @handles(event_class(KnowledgeEntry, "Archived"))
    def archived(self, step: Step, event: Any) -> None:
        sets = ["status = 'archived'"]
        self._touch(step, "knowledge", "entry_id", event, sets, [])
        step.execute(
            "SELECT product_id FROM {knowledge} WHERE entry_id = %s",
            event.originator_id,
        )
        row = step.cursor.fetchone()
        assert row is not None
        self._count(step, row[0], "-")

    def _count(self, step: Step, product_id: Any, sign: str) -> None:
        step.execute(
            f"UPDATE {{products}} SET knowledge_entries = knowledge_entries {sign} 1"
            " WHERE product_id = %s",
            product_id,
        )

    def _touch(
        self,
        step: Step,
        table: str,
        key: str,
        event: Any,
        sets: list[str],
        values: list[Any],
    ) -> None:
        """Applies ``sets`` and the event's version and time to its row."""
        sets = [*sets, "version = %s", "updated_at = %s"]
        step.execute(
            f"UPDATE {{{table}}} SET {', '.join(sets)} WHERE {key} = %s",
            *values,
            event.originator_version,
            event.timestamp,
            event.originator_id,
        )
