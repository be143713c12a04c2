"""Reading a page of a lists table: filters, a text search, a sort and
keyset paging.

What must hold: a page is in (nulls last, sort key, id) order, both
directions, and the next page starts strictly after the row ``after`` names,
so paging never skips or repeats a row, even under ties. Each word of a
search must occur in ``search_text`` (``LIKE``, with ``%``, ``_`` and the
backslash taken literally); on PostgreSQL a trigram index serves it
(``Lists.setup``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.lists_rows import COLUMNS, KEYS, stored
from projections.view import Cursor, Tables

SORTS = {
    "accounts": ("name", "created_at", "updated_at"),
    "contacts": ("name", "created_at", "updated_at"),
    "leads": ("name", "created_at", "updated_at", "score"),
    "opportunities": ("name", "created_at", "updated_at", "amount"),
    "activities": ("scheduled_at", "completed_at", "created_at", "updated_at"),
}
SORTS["opportunities"] += ("expected_close_date",)
NULLABLE = frozenset({"scheduled_at", "completed_at"})  # nulls come last


def _filters(*equal: str, **ranges: str) -> dict[str, str]:
    """``name = %s`` per name; ``<prefix>_since`` (inclusive) and
    ``<prefix>_until`` (exclusive) per range, on created and updated too."""
    found = {name: f"{name} = %s" for name in ("owner_id", *equal)}
    ranges = {"created": "created_at", "updated": "updated_at", **ranges}
    for prefix, column in ranges.items():
        found[f"{prefix}_since"] = f"{column} >= %s"
        found[f"{prefix}_until"] = f"{column} < %s"
    return found


_AT_ = ("territory", "account_id")
FILTERS = {
    "accounts": _filters("territory", "status", "industry"),
    "contacts": _filters(*_AT_, "department", "do_not_contact"),
    "leads": _filters("status", "source"),
    "opportunities": _filters(
        *_AT_, "status", "stage", "pipeline_id", closes="expected_close_date"
    ),
    "activities": _filters(
        *(*_AT_, "contact_id", "status", "kind", "purpose", "department"),
        scheduled="scheduled_at",
        completed="completed_at",
    ),
}


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    after: tuple[Any, Any] | None  # sort value and id of the last row, if more


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _keyset(column: str, key: str, down: bool, after: tuple[Any, Any]) -> Any:
    """Rows after ``after`` in the order (nulls last, column, key)."""
    value, last = after
    op = "<" if down else ">"
    if value is None:
        return f"({column} IS NULL AND {key} {op} %s)", [last]
    clause = f"({column}, {key}) {op} (%s, %s)"
    if column in NULLABLE:
        clause = f"{column} IS NULL OR {clause}"
    return f"({clause})", [value, last]


def select_page(
    cursor: Cursor,
    tables: Tables,
    table: str,
    *,
    sort: str,
    after: tuple[Any, Any] | None = None,
    limit: int = 50,
    search: str | None = None,
    **filters: Any,
) -> Page:
    """A page of ``table`` in ``sort`` order (``-name``: descending; ties by
    id) after the row ``after``, narrowed by ``FILTERS`` (an equality filter
    given a list: any of its values) and by each word of ``search`` (each
    must occur in ``search_text``)."""
    down, name = sort.startswith("-"), sort.lstrip("-")
    assert name in SORTS[table]
    column, key = "sort_name" if name == "name" else name, KEYS[table]
    where, params = ["1 = 1"], list[Any]()
    for filter_name, value in filters.items():
        if isinstance(value, list):  # an equality filter: any of the values
            assert FILTERS[table][filter_name] == f"{filter_name} = %s"
            where.append(f"{filter_name} IN ({', '.join(['%s'] * len(value))})")
            params += map(stored, value)
        elif value is not None:
            where.append(FILTERS[table][filter_name])
            params.append(stored(value))
    for term in (search or "").casefold().split():
        where.append("search_text LIKE %s ESCAPE '\\'")
        params.append(_like(term))
    if after is not None:
        clause, more = _keyset(column, key, down, after)
        where.append(clause)
        params += more
    direction = " DESC" if down else ""
    order = f"{column}{direction}, {key}{direction}"
    if column in NULLABLE:
        order = f"({column} IS NULL), {order}"
    shown = [c for c in COLUMNS[table] if c not in ("search_text", "sort_name")]
    cursor.execute(
        tables.sql(
            f"SELECT {', '.join(shown)}, {column} FROM {{{table}}}"
            f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s"
        ),
        [*params, limit + 1],
    )
    rows = cursor.fetchall()
    last = rows[limit - 1] if len(rows) > limit else None
    return Page(
        [dict(zip(shown, row, strict=False)) for row in rows[:limit]],
        (last[-1], last[0]) if last else None,
    )
