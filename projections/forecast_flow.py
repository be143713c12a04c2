"""Deal flow between two moments: how the deals of a period moved between
what the log said at ``start`` and what it said at ``end`` (Dynamics'
snapshot comparison, for any two moments, with no snapshots).

What must hold:
- A deal is in the period at a moment if its state then (``forecast``'s
  intervals) has its ``forecast_date`` in the period.
- Each deal in the period at either moment lands in exactly one kind:
  ``won`` or ``lost`` (open at start, or absent, and closed by end in the
  period), ``new`` (absent at start, open in the period at end),
  ``pulled_in`` (open outside the period at start, open in it at end),
  ``pushed_out`` (open in it at start, open outside it at end),
  ``amount_changed`` (open in it at both, another amount or currency),
  ``unchanged`` (open in it at both, same amount), ``dropped`` (open in it
  at start, gone from the period otherwise, e.g. closed outside it).
- Amounts are those at ``end`` (at ``start`` for ``pushed_out`` and
  ``dropped``), per currency; ``amount_changed`` also sums the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.periods import Period
from projections.forecast_query import AT, money
from projections.view import Cursor, Tables

STATES = (
    "SELECT CAST(opportunity_id AS TEXT), status, amount, currency, forecast_date"
    " FROM {deal_intervals} i WHERE " + AT.format(alias="i")
)
KINDS = (
    "new",
    "pulled_in",
    "pushed_out",
    "won",
    "lost",
    "amount_changed",
    "unchanged",
    "dropped",
)


@dataclass
class Flow:
    kind: str
    currency: str
    deals: int = 0
    amount: Decimal = Decimal(0)
    change: Decimal = Decimal(0)


@dataclass
class State:
    status: str
    amount: Decimal
    currency: str
    inside: bool


@dataclass
class Flows:
    found: dict[tuple[str, str], Flow] = field(default_factory=dict)

    def add(self, kind: str, state: State, change: Decimal = Decimal(0)) -> None:
        flow = self.found.setdefault((kind, state.currency), Flow(kind, state.currency))
        flow.deals += 1
        flow.amount += state.amount
        flow.change += change

    def ordered(self) -> list[Flow]:
        return sorted(
            self.found.values(), key=lambda f: (KINDS.index(f.kind), f.currency)
        )


IN_PERIOD = " AND i.forecast_date >= %s AND i.forecast_date <= %s"
CHUNK = 500


def states(
    cursor: Cursor,
    tables: Tables,
    period: Period,
    moment: datetime,
    deals: list[str] | None = None,
) -> dict[str, State]:
    """The states at ``moment`` of the deals in ``period`` then, or (given
    ``deals``) of those deals wherever they were."""
    if deals is None:
        cursor.execute(
            tables.sql(STATES + IN_PERIOD), [moment, moment, period.first, period.last]
        )
        return _states(period, cursor.fetchall())
    found: dict[str, State] = {}
    for at in range(0, len(deals), CHUNK):
        chunk = deals[at : at + CHUNK]
        marks = ", ".join(["%s"] * len(chunk))
        sql = STATES + f" AND i.opportunity_id IN ({marks})"
        cursor.execute(tables.sql(sql), [moment, moment, *map(UUID, chunk)])
        found |= _states(period, cursor.fetchall())
    return found


def _states(period: Period, rows: list[tuple[Any, ...]]) -> dict[str, State]:
    return {
        str(deal): State(str(status), money(amount), str(currency), _in(period, day))
        for deal, status, amount, currency, day in rows
    }


def _in(period: Period, day: Any) -> bool:
    text = day if isinstance(day, str) else day.isoformat()
    return period.first.isoformat() <= text[:10] <= period.last.isoformat()


def kind_of(before: State | None, after: State | None) -> str | None:
    """The kind of flow of one deal (None: not in the period at either)."""
    was_in = before is not None and before.inside and before.status == "open"
    now_in = after is not None and after.inside
    closed = after is not None and now_in and after.status in ("won", "lost")
    if closed and (before is None or before.status == "open"):
        assert after is not None
        return after.status
    if was_in and now_in and after is not None and after.status == "open":
        assert before is not None
        same = (before.amount, before.currency) == (after.amount, after.currency)
        return "unchanged" if same else "amount_changed"
    if now_in and after is not None and after.status == "open":
        return "new" if before is None else "pulled_in"
    if was_in:
        open_outside = after is not None and after.status == "open" and not now_in
        return "pushed_out" if open_outside else "dropped"
    return None


def flow(
    cursor: Cursor, tables: Tables, *, period: Period, start: datetime, end: datetime
) -> list[Flow]:
    before, after = (states(cursor, tables, period, m) for m in (start, end))
    before |= states(
        cursor, tables, period, start, sorted(after.keys() - before.keys())
    )
    after |= states(cursor, tables, period, end, sorted(before.keys() - after.keys()))
    flows = Flows()
    for deal in before.keys() | after.keys():
        was, now = before.get(deal), after.get(deal)
        kind = kind_of(was, now)
        if kind is None:
            continue
        if kind in ("pushed_out", "dropped"):
            assert was is not None
            flows.add(kind, was)
        else:
            assert now is not None
            change = now.amount - was.amount if kind == "amount_changed" and was else 0
            flows.add(kind, now, Decimal(change))
    return flows.ordered()
