"""Reading the territories view: territories in the order created, the
accounts each holds, every account id (for a realignment), and the
assignment history (which territory an account was in, when)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from projections.catalog_query import Page, page
from projections.view import Cursor, Tables

TERRITORY_COLUMNS = [
    "territory_id",
    "name",
    "parent_id",
    "rules",
    "manual_accounts",
    "owner_rep_id",
    "overlay_reps",
    "version",
    "created_position",
    "updated_at",
]
ACCOUNT_COLUMNS = [
    "account_id",
    "name",
    "industry",
    "country",
    "region",
    "postcode",
    "employees",
    "territory_id",
    "territory",
    "rule",
]
PERIOD_COLUMNS = [
    "account_id",
    "territory_id",
    "territory",
    "rule",
    "effective_from",
    "effective_to",
    "from_position",
    "to_position",
]


def territories(
    cursor: Cursor,
    tables: Tables,
    *,
    after: int | None = None,
    limit: int = 50,
    search: str | None = None,
    parent_id: UUID | None = None,
    owner_rep_id: UUID | None = None,
) -> Page:
    filters = {"parent_id": parent_id, "owner_rep_id": owner_rep_id}
    return page(
        cursor,
        tables,
        "territories",
        TERRITORY_COLUMNS,
        "created_position",
        after=after,
        limit=limit,
        search=search,
        filters=filters,
    )


def accounts(
    cursor: Cursor,
    tables: Tables,
    territory_id: UUID,
    *,
    after: str | None = None,
    limit: int = 50,
) -> Page:
    """The accounts in a territory now, in account-id order."""
    return page(
        cursor,
        tables,
        "territory_accounts",
        ACCOUNT_COLUMNS,
        "account_id",
        after=after,
        limit=limit,
        search=None,
        filters={"territory_id": territory_id},
    )


def account_ids(cursor: Cursor, tables: Tables) -> list[UUID]:
    cursor.execute(tables.sql("SELECT account_id FROM {territory_accounts}"))
    return sorted((UUID(str(row[0])) for row in cursor.fetchall()), key=str)


def periods(
    cursor: Cursor,
    tables: Tables,
    *,
    account_id: UUID | None = None,
    territory_id: UUID | None = None,
    as_of: datetime | None = None,
    after: int | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Assignment periods, oldest first (``from_position``: unique, as each
    period starts with its own event), after ``after``; ``as_of``: only the
    periods in force at that moment (``effective_from <= as_of <
    effective_to``)."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    for column, value in (("account_id", account_id), ("territory_id", territory_id)):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    if after is not None:
        where.append("from_position > %s")
        params.append(after)
    if as_of is not None:
        where.append(
            "effective_from <= %s AND (effective_to IS NULL OR effective_to > %s)"
        )
        params += [as_of, as_of]
    cursor.execute(
        tables.sql(
            f"SELECT {', '.join(PERIOD_COLUMNS)} FROM {{territory_assignments}}"
            f" WHERE {' AND '.join(where)} ORDER BY from_position"
            " LIMIT %s"
        ),
        [*params, limit],
    )
    return [dict(zip(PERIOD_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
