"""Measuring a metric per rep over consecutive periods, from the control
view's monthly tallies (``control_tallies``), in one query per metric; the
facts (``control.Control``) answer what the tallies cannot: an on-time share
of the month still running.

What must hold:
- Each metric is a numerator and, for rates and averages, a denominator per
  rep and period (``Tally``); a group's value pools its members' tallies
  (the win rate of a team is its wins over its closed deals, not a mean of
  rates).
- Periods are half-open UTC windows ``[start, end)``. Completed activities
  count when completed, deals when opened, won or lost, advances when made.
- The on-time shares count activities *due* in the window and by ``until``
  (the moment asked about): one still due later is not yet late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from projections.view import Cursor, Tables

COMPLETED = "{activities} WHERE status = 'completed' AND "
WON = "{deals} WHERE status = 'won' AND "
CLOSED = "{deals} WHERE status IN ('won', 'lost') AND "
DUE = (
    "{activities} WHERE planned = TRUE AND status <> 'cancelled' AND due_before <= %s"
    " AND "
)
ON_TIME = (
    "CASE WHEN status = 'completed' AND completed_at < due_before THEN 1 ELSE 0 END"
)
WON_1 = "CASE WHEN status = 'won' THEN 1 ELSE 0 END"


@dataclass(frozen=True)
class Measure:
    """``SELECT who, <numerator>, <denominator> FROM <source> <time>``;
    ``scale`` turns numerator / denominator into the metric's unit."""

    who: str
    numerator: str
    denominator: str | None
    source: str
    time: str
    scale: Decimal = Decimal(1)
    by_kind: bool = False
    by_currency: bool = False
    until: bool = False


MEASURES: dict[str, Measure] = {
    "activities_completed": Measure(
        "owner_id", "COUNT(*)", None, COMPLETED, "completed_at", by_kind=True
    ),
    "avg_minutes_per_activity": Measure(
        "owner_id",
        "SUM(duration_minutes)",
        "COUNT(*)",
        COMPLETED,
        "completed_at",
        by_kind=True,
    ),
    "new_opportunities": Measure(
        "opened_by", "COUNT(*)", None, "{deals} WHERE ", "opened_at"
    ),
    "pipeline_created": Measure(
        "opened_by",
        "SUM(opened_amount)",
        None,
        "{deals} WHERE ",
        "opened_at",
        by_currency=True,
    ),
    "stage_advances": Measure(
        "owner_id", "COUNT(*)", None, "{advances} WHERE ", "moved_at"
    ),
    "deals_won": Measure("closed_by", "COUNT(*)", None, WON, "closed_at"),
    "won_amount": Measure(
        "closed_by", "SUM(won_amount)", None, WON, "closed_at", by_currency=True
    ),
    "win_rate": Measure(
        "closed_by", f"SUM({WON_1})", "COUNT(*)", CLOSED, "closed_at", Decimal(100)
    ),
    "avg_sales_cycle_days": Measure(
        "closed_by",
        "SUM(cycle_seconds)",
        "COUNT(*)",
        WON,
        "closed_at",
        Decimal(1) / Decimal(86400),
    ),
    "planned_on_time_share": Measure(
        "owner_id",
        f"SUM({ON_TIME})",
        "COUNT(*)",
        DUE,
        "due_day",
        Decimal(100),
        until=True,
    ),
    "follow_ups_on_time_share": Measure(
        "owner_id",
        f"SUM({ON_TIME})",
        "COUNT(*)",
        DUE + "follow_up = TRUE AND ",
        "due_day",
        Decimal(100),
        until=True,
    ),
}


def _number(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


Tally = tuple[Decimal, Decimal]  # a numerator and a denominator


Key = tuple[str, str | None, str | None]  # metric, activity kind, currency


def measure(
    cursor: Cursor,
    tables: Tables,
    keys: Sequence[Key],
    windows: Sequence[tuple[datetime, datetime]],
    until: datetime,
) -> dict[Key, dict[tuple[str, int], Tally]]:
    """Per key, per (rep id, index of the window): the metric's tally, summed
    from the monthly tallies (one query for every key); an on-time share's
    window that ``until`` falls in is measured from the facts (only what was
    due by then), and later ones have nothing due yet."""
    found = tallied_all(cursor, tables, keys, windows)
    for key in keys:
        if not MEASURES[key[0]].until:
            continue
        for index, (start, end) in enumerate(windows):
            if end <= until:
                continue
            kept = {k: v for k, v in found[key].items() if k[1] != index}
            if start < until:
                kept |= from_facts(cursor, tables, key, [(start, end)], until, index)
            found[key] = kept
    return found


def tallied_all(
    cursor: Cursor,
    tables: Tables,
    keys: Sequence[Key],
    windows: Sequence[tuple[datetime, datetime]],
) -> dict[Key, dict[tuple[str, int], Tally]]:
    found: dict[Key, dict[tuple[str, int], Tally]] = {key: {} for key in keys}
    if not keys:
        return found
    detail = {
        (m, kind or currency or ""): (m, kind, currency) for m, kind, currency in keys
    }
    bucket = " ".join(f"WHEN month < %s THEN {i}" for i in range(len(windows)))
    which = " OR ".join(["(metric = %s AND detail = %s)"] * len(detail))
    sums = "numerator, denominator"  # a tally a month: each row is its window's
    grouped = ""
    if not all(_one_month(start, end) for start, end in windows):
        sums = "SUM(numerator), SUM(denominator)"
        grouped = " GROUP BY metric, detail, rep_id, 4"
    cursor.execute(
        tables.sql(
            f"SELECT metric, detail, CAST(rep_id AS TEXT), CASE {bucket} END,"
            f" {sums} FROM {{tallies}} WHERE ({which}) AND month >= %s"
            f" AND month < %s{grouped}"
        ),
        [end.date() for _, end in windows]
        + [part for pair in detail for part in pair]
        + [windows[0][0].date(), windows[-1][1].date()],
    )
    for metric, kind, who, index, num, den in cursor.fetchall():
        key = detail[(metric, kind)]
        found[key][(str(who), int(index))] = (_number(num), _number(den))
    return found


def _one_month(start: datetime, end: datetime) -> bool:
    """Whether ``[start, end)`` is exactly one calendar month (one tally)."""
    if start.day != 1 or start.time() != end.time() or end.day != 1:
        return False
    months = (end.year - start.year) * 12 + end.month - start.month
    return months == 1 and start.time() == time()


def tallied(
    cursor: Cursor,
    tables: Tables,
    key: Key,
    windows: Sequence[tuple[datetime, datetime]],
) -> dict[tuple[str, int], Tally]:
    """One key's ``tallied_all``."""
    return tallied_all(cursor, tables, [key], windows)[key]


def _tallies(
    rows: list[tuple[Any, ...]], offset: int = 0
) -> dict[tuple[str, int], Tally]:
    return {
        (str(who), int(index) + offset): (_number(num), _number(den))
        for who, index, num, den in rows
    }


def from_facts(
    cursor: Cursor,
    tables: Tables,
    key: Key,
    windows: Sequence[tuple[datetime, datetime]],
    until: datetime,
    offset: int = 0,
) -> dict[tuple[str, int], Tally]:
    """The same from the activities and deals themselves (``MEASURES``)."""
    metric, kind, currency = key
    m = MEASURES[metric]
    when = m.time
    bucket = " ".join(f"WHEN {when} < %s THEN {i}" for i in range(len(windows)))
    sql = (
        f"SELECT {m.who}, CASE {bucket} END, {m.numerator},"
        f" {m.denominator or 'NULL'} FROM {m.source}"
        f"{when} >= %s AND {when} < %s"
        + (" AND kind = %s" if kind else "")
        + (" AND currency = %s" if currency else "")
        + f" AND {m.who} IS NOT NULL GROUP BY {m.who}, 2"
    )
    params: list[Any] = [end for _, end in windows]
    params += [until] if m.until else []
    params += [windows[0][0], windows[-1][1]]
    params += [p for p in (kind, currency) if p]
    cursor.execute(tables.sql(sql), params)
    return _tallies(cursor.fetchall(), offset)
