"""Reading the catalogue view: products by SKU order, knowledge entries in
the order they were written, each narrowed by filters and a text search.

What must hold: a page continues strictly after the row its cursor names
(products: the SKU, unique; entries: their creation position, unique), so
paging never skips or repeats a row. Each word of a search must occur in
``search_text`` (``LIKE``, with ``%``, ``_`` and the backslash taken
literally); on PostgreSQL a trigram index serves it (``Catalog.setup``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.view import Cursor, Tables

PRODUCT_COLUMNS = [
    "product_id",
    "sku",
    "name",
    "description",
    "list_price",
    "currency",
    "status",
    "option_groups",
    "options",
    "rules",
    "knowledge_entries",
    "version",
    "created_at",
    "updated_at",
]
KNOWLEDGE_COLUMNS = [
    "entry_id",
    "product_id",
    "sku",
    "product_name",
    "kind",
    "title",
    "body",
    "competitor",
    "status",
    "owner_id",
    "author",
    "version",
    "created_position",
    "created_at",
    "updated_at",
]
PRODUCT_FILTERS = ("status", "currency", "sku")
KNOWLEDGE_FILTERS = ("product_id", "kind", "status", "owner_id")


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    after: Any  # the sort key of the last row, if there are more


def like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def page(
    cursor: Cursor,
    tables: Tables,
    table: str,
    columns: list[str],
    order: str,
    *,
    after: Any,
    limit: int,
    search: str | None,
    filters: dict[str, Any],
) -> Page:
    """Rows of ``table`` in ``order`` (a unique column) after ``after``;
    ``filters``: a column (equal to the value) or a condition with one
    ``%s`` (``placed_at >= %s``) each; ``None`` values are ignored."""
    where, params = ["1 = 1"], []
    for name, value in filters.items():
        if value is not None:
            where.append(name if "%s" in name else f"{name} = %s")
            params.append(value)
    for term in (search or "").casefold().split():
        where.append("search_text LIKE %s ESCAPE '\\'")
        params.append(like(term))
    if after is not None:
        where.append(f"{order} > %s")
        params.append(after)
    cursor.execute(
        tables.sql(
            f"SELECT {', '.join(columns)} FROM {{{table}}}"
            f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s"
        ),
        [*params, limit + 1],
    )
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    more = len(rows) > limit
    return Page(rows[:limit], rows[limit - 1][order] if more else None)


def products(
    cursor: Cursor,
    tables: Tables,
    *,
    after: str | None = None,
    limit: int = 50,
    search: str | None = None,
    **filters: Any,
) -> Page:
    """Products in SKU order after SKU ``after``; ``filters``: any of
    ``PRODUCT_FILTERS``; each word of ``search`` in SKU, name or description."""
    assert set(filters) <= set(PRODUCT_FILTERS)
    return page(
        cursor,
        tables,
        "products",
        PRODUCT_COLUMNS,
        "sku",
        after=after,
        limit=limit,
        search=search,
        filters=filters,
    )


def knowledge(
    cursor: Cursor,
    tables: Tables,
    *,
    after: int | None = None,
    limit: int = 50,
    search: str | None = None,
    **filters: Any,
) -> Page:
    """Entries in the order written after creation position ``after``;
    ``filters``: any of ``KNOWLEDGE_FILTERS``; each word of ``search`` in the
    title, body, competitor, SKU or product name."""
    assert set(filters) <= set(KNOWLEDGE_FILTERS)
    return page(
        cursor,
        tables,
        "knowledge",
        KNOWLEDGE_COLUMNS,
        "created_position",
        after=after,
        limit=limit,
        search=search,
        filters=filters,
    )
