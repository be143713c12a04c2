"""Time management: where the reps' minutes went in a period, from the
control view's completed activities (``control.Control``).

What must hold:
- An activity counts in the period it was completed in (UTC), with the
  minutes recorded at completion.
- Selling time is every kind but ``task``; internal time is ``task``. A
  row's shares are of its own minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.periods import Period
from projections.control_query import window
from projections.view import Cursor, Tables

GROUPS = {
    "rep": "CAST(a.owner_id AS TEXT)",
    "kind": "a.kind",
    "purpose": "a.purpose",
}
TIME = (
    "SELECT {group}, COUNT(*), SUM(a.duration_minutes),"
    " SUM(CASE WHEN a.kind = 'task' THEN a.duration_minutes ELSE 0 END),"
    " SUM(CASE WHEN a.planned = TRUE THEN 1 ELSE 0 END)"
    " FROM {{activities}} a WHERE a.status = 'completed' AND a.completed_at >= %s"
    " AND a.completed_at < %s GROUP BY {group}"
)


@dataclass
class TimeRow:
    group: str | None
    activities: int
    minutes: int
    internal_minutes: int
    planned: int

    @property
    def selling_minutes(self) -> int:
        return self.minutes - self.internal_minutes

    @property
    def selling_share_pct(self) -> Decimal | None:
        if not self.minutes:
            return None
        return Decimal(self.selling_minutes * 100) / self.minutes

    @property
    def avg_minutes(self) -> Decimal | None:
        return Decimal(self.minutes) / self.activities if self.activities else None


def time_spent(
    cursor: Cursor, tables: Tables, *, period: Period, group_by: str
) -> list[TimeRow]:
    """One row per group with an activity completed in ``period``, the most
    minutes first (then by group)."""
    start, end = window(period)
    cursor.execute(tables.sql(TIME.format(group=GROUPS[group_by])), [start, end])
    rows = [_row(r) for r in cursor.fetchall()]
    return sorted(rows, key=lambda r: (-r.minutes, r.group or ""))


def _row(r: tuple[Any, ...]) -> TimeRow:
    group, count, minutes, internal, planned = r
    return TimeRow(
        None if group is None else str(group),
        int(count),
        int(minutes or 0),
        int(internal or 0),
        int(planned or 0),
    )


def total(rows: list[TimeRow]) -> TimeRow:
    return TimeRow(
        None,
        sum(r.activities for r in rows),
        sum(r.minutes for r in rows),
        sum(r.internal_minutes for r in rows),
        sum(r.planned for r in rows),
    )


def rep_names(cursor: Cursor, tables: Tables) -> dict[str, str]:
    cursor.execute(tables.sql("SELECT CAST(rep_id AS TEXT), name FROM {reps}"))
    return {str(rep_id): str(name) for rep_id, name in cursor.fetchall()}
