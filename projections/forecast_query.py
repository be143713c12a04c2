"""The forecast read: per group and currency, the deals that count in a period
(``forecast.Forecast``: an open deal by its expected close date, a won or
lost one by the date it closed), as the events recorded up to a moment say.

What must hold:
- ``as_of=None`` reads the current intervals (``valid_to`` null); ``as_of=T``
  the intervals holding at T. Both give the same figures for a store whose
  last event is at or before T.
- Amounts of different currencies are never added: a row is one currency.
- A won deal with an order standing at the moment read (placed at or
  before it, not cancelled or returned by then: ``forecast_orders``) counts
  its order's total in the order's currency in ``closed_won``; without one
  (none yet, or withdrawn) it counts the deal's own amount.
- ``weighted_amount`` is the sum over open deals of amount x probability /
  100 (the probability the deal recorded on entering its stage).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.periods import Period
from projections.view import Cursor, Tables

NOW = "{alias}.valid_to IS NULL"
AT = "{alias}.valid_from <= %s AND ({alias}.valid_to IS NULL OR {alias}.valid_to > %s)"
# group -> (the group column, what it is an attribute of, or None)
GROUPS: dict[str, tuple[str, str | None]] = {
    "rep": ("i.owner_id", None),
    "pipeline": ("i.pipeline_id", None),
    "team": ("a.value", "i.owner_id"),
    "territory": ("a.value", "i.account_id"),
}
CATEGORIES = ("pipeline", "best_case", "commit")
# a won deal's closed figure: its standing order's, else its own
AMOUNT, CURRENCY = "COALESCE(o.total, i.amount)", "COALESCE(o.currency, i.currency)"


def money(value: Any) -> Decimal:
    """A sum as the store gives it (SQLite: int or float) as a Decimal."""
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


@dataclass
class Figures:
    """What the forecast says for one group, in one currency."""

    group: str | None
    currency: str
    open_by_category: dict[str, Decimal] = field(
        default_factory=lambda: dict.fromkeys(CATEGORIES, Decimal(0))
    )
    open_amount: Decimal = Decimal(0)
    weighted_amount: Decimal = Decimal(0)
    closed_won: Decimal = Decimal(0)
    closed_lost: Decimal = Decimal(0)
    open_count: int = 0
    won_count: int = 0
    lost_count: int = 0

    @property
    def deal_count(self) -> int:
        """Deals open or won in the period (lost ones are counted apart)."""
        return self.open_count + self.won_count

    @property
    def expected_amount(self) -> Decimal:
        return self.closed_won + self.weighted_amount

    def add(self, status: str, category: str, row: tuple[Any, ...]) -> None:
        amount, weighted, count = money(row[0]), money(row[1]), int(row[2])
        if status == "won":
            self.closed_won += amount
            self.won_count += count
        elif status == "lost":
            self.closed_lost += amount
            self.lost_count += count
        else:
            by = self.open_by_category
            by[category] = by.get(category, Decimal(0)) + amount
            self.open_amount += amount
            self.weighted_amount += weighted / 100
            self.open_count += count


def source(group_by: str, as_of: datetime | None) -> tuple[str, str, int]:
    """The group column, the ``FROM ... WHERE`` of the deal states in a
    period (two ``%s`` for its first and last day), and how many times it
    takes ``as_of``."""
    column, subject = GROUPS[group_by]
    valid = NOW if as_of is None else AT
    join = (
        " LEFT JOIN {orders} o ON o.opportunity_id = i.opportunity_id"
        " AND i.status = 'won' AND " + valid.format(alias="o")
    )
    if subject is not None:
        attribute = "team" if group_by == "team" else "territory"
        join += (
            f" LEFT JOIN {{attributes}} a ON a.subject_id = {subject}"
            f" AND a.attribute = '{attribute}' AND " + valid.format(alias="a")
        )
    where = (
        f" FROM {{deal_intervals}} i{join}"
        " WHERE i.forecast_date >= %s AND i.forecast_date <= %s AND "
        + valid.format(alias="i")
    )
    uses = 0 if as_of is None else (6 if subject else 4)
    return column, where, uses


def params(period: Period, as_of: datetime | None, uses: int) -> list[Any]:
    joined = [as_of] * (uses - 2) if uses else []
    return [*joined, period.first, period.last, *([as_of] * min(uses, 2))]


def statement(group_by: str, as_of: datetime | None) -> tuple[str, int]:
    """The SQL of a forecast, and how many times it takes ``as_of``."""
    column, where, uses = source(group_by, as_of)
    sql = (
        f"SELECT {column}, {CURRENCY}, i.status, i.category,"
        f" CAST(i.pipeline_id AS TEXT), i.stage, SUM({AMOUNT}),"
        " SUM(i.amount * i.probability), COUNT(*)"
        + where
        + f" GROUP BY {column}, {CURRENCY}, i.status, i.category, i.pipeline_id,"
        " i.stage"
    )
    return sql, uses


def forecast(
    cursor: Cursor,
    tables: Tables,
    *,
    period: Period,
    group_by: str,
    as_of: datetime | None = None,
    rates: Rates | None = None,
) -> list[Figures]:
    """One ``Figures`` per group and currency with a deal in ``period``,
    ordered by group (none last) and currency. With ``rates`` (per pipeline
    and stage, 0-1), open deals are weighted by them instead of their
    probability, where a stage has one."""
    sql, uses = statement(group_by, as_of)
    cursor.execute(tables.sql(sql), params(period, as_of, uses))
    return fold(cursor.fetchall(), rates or {})


Rates = dict[tuple[str, str], Decimal]


def fold(rows: Iterable[tuple[Any, ...]], rates: Rates) -> list[Figures]:
    found: dict[tuple[str | None, str], Figures] = {}
    for group, currency, status, category, pipeline, stage, *sums in rows:
        key = (None if group is None else str(group), str(currency))
        figures = found.setdefault(key, Figures(*key))
        rate = rates.get((str(pipeline), str(stage)))
        if rate is not None and status == "open":
            sums[1] = money(sums[0]) * rate * 100
        figures.add(str(status), str(category), tuple(sums))
    return sorted(
        found.values(), key=lambda f: (f.group is None, f.group or "", f.currency)
    )


def totals(rows: Iterable[Figures]) -> list[Figures]:
    """One ``Figures`` per currency over all groups (``group`` None)."""
    found: dict[str, Figures] = {}
    for row in rows:
        total = found.setdefault(row.currency, Figures(None, row.currency))
        for category, amount in row.open_by_category.items():
            by = total.open_by_category
            by[category] = by.get(category, Decimal(0)) + amount
        for name in SUMMED:
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return [found[currency] for currency in sorted(found)]


SUMMED = [
    "open_amount",
    "weighted_amount",
    "closed_won",
    "closed_lost",
    "open_count",
    "won_count",
    "lost_count",
]
