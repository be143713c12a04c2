"""Reading the commerce view: quotes and orders in the order they were
made (the cursor is the creation position, unique: paging never skips or
repeats a row), narrowed by filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from projections.catalog_query import Page, page
from projections.view import Cursor, Tables

QUOTE_COLUMNS = [
    "quote_id",
    "opportunity_id",
    "account_id",
    "owner_id",
    "currency",
    "revision",
    "status",
    "valid_until",
    "gross",
    "net",
    "discount_percent",
    "sent_at",
    "version",
    "created_position",
    "created_at",
    "updated_at",
]
ORDER_COLUMNS = [
    "order_id",
    "opportunity_id",
    "account_id",
    "owner_id",
    "quote_id",
    "currency",
    "total",
    "lines",
    "status",
    "version",
    "placed_position",
    "placed_at",
    "updated_at",
]


def quotes(
    cursor: Cursor,
    tables: Tables,
    *,
    after: int | None = None,
    limit: int = 50,
    **filters: Any,
) -> Page:
    """``filters``: ``opportunity_id``, ``account_id``, ``owner_id``,
    ``status``."""
    assert set(filters) <= {"opportunity_id", "account_id", "owner_id", "status"}
    return page(
        cursor,
        tables,
        "quotes",
        QUOTE_COLUMNS,
        "created_position",
        after=after,
        limit=limit,
        search=None,
        filters=filters,
    )


def orders(
    cursor: Cursor,
    tables: Tables,
    *,
    after: int | None = None,
    limit: int = 50,
    account_id: UUID | None = None,
    owner_id: UUID | None = None,
    opportunity_id: UUID | None = None,
    status: str | None = None,
    placed_since: datetime | None = None,
    placed_until: datetime | None = None,
) -> Page:
    """Orders placed in [``placed_since``, ``placed_until``), by account,
    owner rep, deal and status."""
    filters = {
        "account_id": account_id,
        "owner_id": owner_id,
        "opportunity_id": opportunity_id,
        "status": status,
        "placed_at >= %s": placed_since,
        "placed_at < %s": placed_until,
    }
    return page(
        cursor,
        tables,
        "orders",
        ORDER_COLUMNS,
        "placed_position",
        after=after,
        limit=limit,
        search=None,
        filters=filters,
    )
