"""The corrective actions beside the control report's lines, and whether the
metric recovered after each.

What must hold:
- A line shows the actions opened against its member and metric (with the
  same activity kind and currency) for its period or one of its trend
  periods.
- An action recovered if the metric's status was ``on_track`` or ``above``
  in any period after the one it addressed, up to the report's period;
  ``None`` while no later period is in the report (it addressed the
  report's own period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.control_measures import Key
from projections.control_query import Line, Thresholds
from projections.view import Cursor, Tables

GOOD = ("on_track", "above")


@dataclass
class Action:
    action_id: str
    period: str
    owner_id: str
    kind: str
    due_date: date
    note: str | None
    status: str
    outcome: str | None
    closed_on: date | None
    recovered: bool | None = None


def actions(
    cursor: Cursor, tables: Tables, scope: str, periods: list[str]
) -> dict[tuple[str, Key], list[Action]]:
    """Per (member, metric key): the actions against ``periods``, by period
    and opening."""
    marks = ", ".join(["%s"] * len(periods))
    cursor.execute(
        tables.sql(
            "SELECT member, metric, activity_kind, currency, action_id, period,"
            " owner_id, kind, due_date, note, status, outcome, closed_on"
            f" FROM {{corrective}} WHERE scope = %s AND period IN ({marks})"
            " ORDER BY opened_at, action_id"
        ),
        [scope, *periods],
    )
    found: dict[tuple[str, Key], list[Action]] = {}
    for member, metric, kind, currency, *rest in cursor.fetchall():
        row: list[Any] = [str(rest[0]), rest[1], str(rest[2]), *rest[3:]]
        row[4], row[8] = _day(row[4]), _day(row[8])
        found.setdefault((member, (metric, kind, currency)), []).append(Action(*row))
    return found


def _day(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def recovered(line: Line, period: str, thresholds: Thresholds) -> bool | None:
    """Whether ``line``'s metric was on track or above after ``period``."""
    labels = [label for label, _ in line.trend]
    if period not in labels:
        return None
    after = line.trend[labels.index(period) + 1 :]
    statuses = [
        thresholds.status(line.key[0], cell.standard, cell.actual)
        for _, cell in after
        if cell is not None
    ]
    return any(s in GOOD for s in [*statuses, line.status])
