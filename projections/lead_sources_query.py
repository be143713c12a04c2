"""The lead-source ROI report, from the lead-sources view.

What must hold: one row per source, list and cost currency, over the leads
captured in [``since``, ``until``) (a cohort: what those leads became, up to
now). ``leads`` counts them; ``qualified`` those ever qualified;
``converted`` those converted; ``won_deals`` the distinct deals they were
converted into that are won now, and ``won`` those deals' amounts per
currency; ``cost`` is the sum of their costs per lead; ``cost_per_won_deal``
is ``cost / won_deals`` to the cent (half to even), null without a won
deal.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from projections.catalog_query import page
from projections.lead_sources import E4
from projections.view import Cursor, Tables

CENT = Decimal("0.01")
Key = tuple[str, str | None, str | None]


def _where(
    since: datetime | None, until: datetime | None, source: str | None
) -> tuple[str, list[Any]]:
    where, params = ["1 = 1"], []
    for condition, value in (
        ("captured_at >= %s", since),
        ("captured_at < %s", until),
        ("source = %s", source),
    ):
        if value is not None:
            where.append(condition)
            params.append(value)
    return " AND ".join(where), params


def lead_sources(
    cursor: Cursor,
    tables: Tables,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
) -> list[dict[str, Any]]:
    where, params = _where(since, until, source)
    cursor.execute(
        tables.sql(
            "SELECT source, list, currency, count(*), sum(qualified),"
            " sum(converted), sum(cost_e4) FROM {leads}"
            f" WHERE {where} GROUP BY source, list, currency"
        ),
        params,
    )
    rows: dict[Key, dict[str, Any]] = {}
    for src, name, currency, leads, qualified, converted, cost in cursor.fetchall():
        rows[(src, name, currency)] = {
            "source": src,
            "list": name,
            "currency": currency,
            "leads": int(leads),
            "qualified": int(qualified),
            "converted": int(converted),
            "cost": Decimal(int(cost)) / E4,
            "won_deals": 0,
            "won": {},
        }
    _add_wins(cursor, tables, where, params, rows)
    for row in rows.values():
        deals = row["won_deals"]
        per = (row["cost"] / deals).quantize(CENT, ROUND_HALF_EVEN) if deals else None
        row["cost_per_won_deal"] = per
    return sorted(rows.values(), key=lambda r: (r["source"], r["list"] or ""))


def _add_wins(
    cursor: Cursor,
    tables: Tables,
    where: str,
    params: list[Any],
    rows: dict[Key, dict[str, Any]],
) -> None:
    cursor.execute(
        tables.sql(
            "SELECT x.source, x.list, x.currency, d.currency, count(*),"
            " sum(d.won_e4) FROM (SELECT DISTINCT source, list, currency,"
            f" opportunity_id FROM {{leads}} WHERE {where} AND converted = 1"
            " AND opportunity_id IS NOT NULL) x JOIN {deals} d"
            " ON d.opportunity_id = x.opportunity_id WHERE d.status = 'won'"
            " GROUP BY x.source, x.list, x.currency, d.currency"
        ),
        params,
    )
    for src, name, currency, deal_currency, deals, won in cursor.fetchall():
        row = rows[(src, name, currency)]
        row["won_deals"] += int(deals)
        row["won"][deal_currency] = Decimal(int(won)) / E4


LIST_COLUMNS = [
    "list_id",
    "name",
    "source",
    "cost_e4",
    "currency",
    "product",
    "rows_seen",
    "imported",
    "version",
    "created_position",
    "registered_at",
    "updated_at",
]


def lists(
    cursor: Cursor,
    tables: Tables,
    *,
    after: int | None = None,
    limit: int = 50,
    search: str | None = None,
    source: str | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """Lead lists in the order registered, with ``rejected``: rows rejected
    and not imported since; each word of ``search`` in the name."""
    found = page(
        cursor,
        tables,
        "lists",
        LIST_COLUMNS,
        "created_position",
        after=after,
        limit=limit,
        search=search,
        filters={"source": source},
    )
    for row in found.rows:
        cursor.execute(
            tables.sql("SELECT count(*) FROM {rejections} WHERE list_id = %s"),
            [row["list_id"]],
        )
        counted = cursor.fetchone()
        row["rejected"] = int(counted[0]) if counted else 0
        cost = row.pop("cost_e4")
        row["cost_per_lead"] = None if cost is None else Decimal(int(cost)) / E4
    return found.rows, found.after
