"""Every row of a view's tables, for comparing a live view with a rebuild."""

from __future__ import annotations

from typing import Any

from infra.view_store import ViewStore
from projections.view import View


def view_rows(
    store: ViewStore, view: type[View], order: str = "1"
) -> dict[str, list[Any]]:
    """Table name -> its rows, sorted by ``order`` (an ORDER BY list)."""
    tables = store.names(view).mapping
    with store.transaction() as cursor:
        found = {}
        for table, name in tables.items():
            cursor.execute(f"SELECT * FROM {name} ORDER BY {order}")
            found[table] = cursor.fetchall()
    return found


def sorted_rows(store: ViewStore, view: type[View]) -> dict[str, list[Any]]:
    """Table name -> its rows, sorted by their text (any column types)."""
    names = store.names(view)
    found = {}
    with store.reading() as cursor:
        for table in view.tables:
            cursor.execute(names.sql(f"SELECT * FROM {{{table}}}"))
            found[table] = sorted(cursor.fetchall(), key=repr)
    return found
