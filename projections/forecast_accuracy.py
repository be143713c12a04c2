"""Forecast accuracy: for a closed period, what the forecast said at chosen
points before the period's end against what was won.

What must hold:
- The forecast at offset d is the forecast as of d days before the first
  moment after the period (``forecast`` with ``as_of``), the same for every
  group; what it said is its ``expected_amount`` (won so far + weighted
  open), per group and currency.
- What was won is the ``closed_won`` of the period now (as of ``actual_at``).
- Error = said - won; its % is of won (none when nothing was won).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from domain.periods import Period
from projections.forecast_query import Figures, Rates, forecast, totals
from projections.view import Cursor, Tables


@dataclass
class Accuracy:
    group: str | None
    currency: str
    total: bool = False
    won: Decimal = Decimal(0)
    said: dict[int, Decimal] = field(default_factory=dict)  # offset -> expected

    def error(self, offset: int) -> Decimal:
        return self.said.get(offset, Decimal(0)) - self.won

    def error_pct(self, offset: int) -> Decimal | None:
        return self.error(offset) * 100 / self.won if self.won else None


def end_of(period: Period) -> datetime:
    return datetime.combine(period.last + timedelta(days=1), time(), UTC)


def accuracy(
    cursor: Cursor,
    tables: Tables,
    *,
    period: Period,
    group_by: str,
    offsets: list[int],
    actual_at: datetime | None = None,
    rates: Rates | None = None,
) -> list[Accuracy]:
    """Per group and currency, then a total per currency (``total``)."""
    found: dict[tuple[bool, str | None, str], Accuracy] = {}

    def at(f: Figures, total: bool) -> Accuracy:
        key = (total, f.group, f.currency)
        return found.setdefault(key, Accuracy(f.group, f.currency, total))

    def each(rows: list[Figures]) -> list[tuple[Figures, bool]]:
        return [(f, False) for f in rows] + [(f, True) for f in totals(rows)]

    now = forecast(
        cursor, tables, period=period, group_by=group_by, as_of=actual_at, rates=rates
    )
    for f, total in each(now):
        at(f, total).won = f.closed_won
    for offset in offsets:
        moment = end_of(period) - timedelta(days=offset)
        said = forecast(
            cursor, tables, period=period, group_by=group_by, as_of=moment, rates=rates
        )
        for f, total in each(said):
            at(f, total).said[offset] = f.expected_amount
    return sorted(
        found.values(),
        key=lambda a: (a.total, a.group is None, a.group or "", a.currency),
    )
