"""Reading the recruiting view: candidates in the order they applied, and
the funnel per source.

The funnel, per source and currency (a plan's currency), over the plans
asked for (all if none):
- ``candidates``: who applied through the source;
- ``stages``: per stage, how many candidates ever reached it (in the
  pipeline's order as given, then any stage no longer in it);
- ``offers`` (an offer was made: now offered, hired or declined), ``hires``
  (offer accepted), ``declined``, ``rejected``;
- ``cost``: the candidates' own sourcing costs plus the spend recorded on
  the source; ``cost_per_hire``: cost / hires to the cent (half up), null
  without a hire; ``yield_percent``: hires / candidates x 100, to 0.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from projections.catalog_query import Page, page
from projections.view import Cursor, Tables

CANDIDATE_COLUMNS = [
    "candidate_id",
    "plan_id",
    "position_key",
    "source",
    "cost",
    "currency",
    "stage",
    "status",
    "version",
    "applied_position",
    "applied_at",
    "updated_at",
]
OFFERED = ("offered", "hired", "declined")


def candidates(
    cursor: Cursor,
    tables: Tables,
    *,
    after: int | None = None,
    limit: int = 50,
    **filters: Any,
) -> Page:
    """``filters``: ``plan_id``, ``position_key``, ``source``, ``stage``,
    ``status``."""
    assert set(filters) <= {"plan_id", "position_key", "source", "stage", "status"}
    return page(
        cursor,
        tables,
        "candidates",
        CANDIDATE_COLUMNS,
        "applied_position",
        after=after,
        limit=limit,
        search=None,
        filters=filters,
    )


@dataclass
class SourceFunnel:
    source: str
    currency: str
    candidates: int = 0
    stages: dict[str, int] = field(default_factory=dict)
    offers: int = 0
    hires: int = 0
    declined: int = 0
    rejected: int = 0
    cost: Decimal = Decimal(0)

    @property
    def cost_per_hire(self) -> Decimal | None:
        if not self.hires:
            return None
        return (self.cost / self.hires).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def yield_percent(self) -> Decimal:
        if not self.candidates:
            return Decimal("0.0")
        ratio = Decimal(100 * self.hires) / self.candidates
        return ratio.quantize(Decimal("0.1"), ROUND_HALF_UP)


def _where(plan_id: UUID | None, alias: str) -> tuple[str, list[Any]]:
    if plan_id is None:
        return "", []
    return f" WHERE {alias}.plan_id = %s", [plan_id]


def funnel(
    cursor: Cursor, tables: Tables, order: list[str], plan_id: UUID | None = None
) -> list[SourceFunnel]:
    """Per (source, currency), sorted by source then currency; ``order``:
    the pipeline's stage keys."""
    rows: dict[tuple[str, str], SourceFunnel] = {}

    def of(source: str, currency: str) -> SourceFunnel:
        key = (source, currency)
        if key not in rows:
            rows[key] = SourceFunnel(source, currency)
        return rows[key]

    where, params = _where(plan_id, "c")
    sql = "SELECT c.source, c.currency, c.cost, c.status FROM {candidates} c"
    cursor.execute(tables.sql(sql + where), params)
    for source, currency, cost, status in cursor.fetchall():
        row = of(source, currency)
        row.candidates += 1
        row.cost += Decimal(str(cost))
        row.offers += status in OFFERED
        row.hires += status == "hired"
        row.declined += status == "declined"
        row.rejected += status == "rejected"
    _stages(cursor, tables, where, params, of)
    where, params = _where(plan_id, "s")
    sql = "SELECT s.source, s.currency, s.amount FROM {source_spend} s"
    cursor.execute(tables.sql(sql + where), params)
    for source, currency, amount in cursor.fetchall():
        of(source, currency).cost += Decimal(str(amount))
    for row in rows.values():
        row.stages = _ordered(row.stages, order)
    return [rows[k] for k in sorted(rows)]


def _stages(
    cursor: Cursor, tables: Tables, where: str, params: list[Any], of: Any
) -> None:
    sql = (
        "SELECT c.source, c.currency, r.stage, COUNT(*) FROM {candidates} c"
        " JOIN {candidate_stages} r ON r.candidate_id = c.candidate_id"
        + where
        + " GROUP BY c.source, c.currency, r.stage"
    )
    cursor.execute(tables.sql(sql), params)
    for source, currency, stage, count in cursor.fetchall():
        of(source, currency).stages[stage] = int(count)


def _ordered(reached: dict[str, int], order: list[str]) -> dict[str, int]:
    known = {k: reached.get(k, 0) for k in order}
    gone = {k: v for k, v in sorted(reached.items()) if k not in known}
    return {**known, **gone}
