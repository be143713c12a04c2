"""Bodies of the control report, and its CSV form."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import examples
from api.schemas.forecasts import PeriodOut
from projections.actions_query import Action, recovered
from projections.control_measures import Key
from projections.control_query import Line, Thresholds

Status = Literal["above", "on_track", "below", "far_below", "no_data"]
SEVERITY = {"far_below": 0, "below": 1, "on_track": 2, "above": 3, "no_data": 4}
SORTS = ("status", "member", "metric", "variance", "variance_pct")


class TrendOut(BaseModel):
    period: str
    standard: Decimal | None = Field(description="null: no standard then")
    actual: Decimal | None


class ActionOut(BaseModel):
    """A corrective action against this member and metric."""

    id: UUID
    period: str = Field(description="the period whose variance it addresses")
    owner_id: UUID
    kind: str
    due_date: dt.date
    note: str | None
    status: Literal["open", "closed"]
    outcome: str | None
    closed_on: dt.date | None
    recovered: bool | None = Field(
        description="on track or above in a later period of the report; "
        "null: no later period in it yet"
    )


class LineOut(BaseModel):
    member: str = Field(description="rep or team id, territory, or everyone")
    member_name: str
    metric: str
    activity_kind: str | None
    currency: str | None
    standard: Decimal = Field(description="members' targets: sum, or mean for rates")
    actual: Decimal | None = Field(description="null: a rate or average of nothing")
    variance: Decimal | None = Field(description="actual - standard")
    variance_pct: Decimal | None = Field(description="variance / standard x 100")
    status: Status
    trend: list[TrendOut] = Field(description="the periods before, oldest first")
    actions: list[ActionOut] = Field(
        description="corrective actions against it, this period or the trend's"
    )


Found = dict[tuple[str, Key], list[Action]]


def _text(value: Any) -> Any:
    """A value as ``LineOut`` serialises it (decimals and dates as text)."""
    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat() if isinstance(value, dt.date) else value


def line_json(line: Line, found: Found, thresholds: Thresholds) -> dict[str, Any]:
    """``LineOut`` as JSON-ready values, with the actions beside it. Built
    without pydantic: a report has a line per rep and metric, and these
    values are the view's own, typed (standards and actuals Decimal)."""
    metric, kind, currency = line.key
    actual = line.actual
    variance = None if actual is None else actual - line.standard
    pct = (
        None
        if variance is None or not line.standard
        else variance * 100 / line.standard
    )
    against = found.get((line.member, line.key))
    return {
        "member": line.member,
        "member_name": line.member_name,
        "metric": metric,
        "activity_kind": kind,
        "currency": currency,
        "standard": str(line.standard),
        "actual": None if actual is None else str(actual),
        "variance": None if variance is None else str(variance),
        "variance_pct": None if pct is None else str(pct),
        "status": line.status,
        "trend": [
            {"period": label, "standard": None, "actual": None}
            if cell is None
            else {
                "period": label,
                "standard": str(cell.standard),
                "actual": None if cell.actual is None else str(cell.actual),
            }
            for label, cell in line.trend
        ],
        "actions": [_action(line, a, thresholds) for a in against] if against else [],
    }


def _action(line: Line, action: Action, thresholds: Thresholds) -> dict[str, Any]:
    return {k: _text(v) for k, v in vars(action).items() if k != "action_id"} | {
        "id": action.action_id,
        "recovered": recovered(line, action.period, thresholds),
    }


class ThresholdsOut(BaseModel):
    above_pct: Decimal
    below_pct: Decimal
    far_below_pct: Decimal


EXAMPLE_LINE: dict[str, Any] = {
    "member": "0a0a0a0a-0000-4000-8000-000000000001",
    "member_name": "Ann",
    "metric": "activities_completed",
    "activity_kind": "call",
    "currency": None,
    "standard": "20",
    "actual": "18",
    "variance": "-2",
    "variance_pct": "-10",
    "status": "on_track",
    "trend": [{"period": "2026-10", "standard": "10", "actual": "9"}],
    "actions": [
        {
            "id": "0a0a0a0a-0000-4000-8000-0000000000c1",
            "period": "2026-10",
            "owner_id": "0a0a0a0a-0000-4000-8000-000000000009",
            "kind": "coaching",
            "due_date": "2026-11-15",
            "note": "ride-alongs on two call days",
            "status": "closed",
            "outcome": "two coaching sessions held",
            "closed_on": "2026-11-14",
            "recovered": True,
        }
    ],
}


class ControlReportOut(BaseModel):
    model_config = examples(
        {
            "period": {
                "label": "2026-11",
                "kind": "month",
                "first": "2026-11-01",
                "last": "2026-11-30",
                "fiscal_year_start": 1,
            },
            "scope": "rep",
            "thresholds": {"above_pct": 10, "below_pct": 10, "far_below_pct": 30},
            "lines": [EXAMPLE_LINE],
            "position": 1234,
        }
    )

    period: PeriodOut
    scope: str
    thresholds: ThresholdsOut
    lines: list[LineOut]
    position: int


def _order(line: Line, sort: str) -> tuple[Any, ...]:
    value: Any
    if sort == "status":
        value = SEVERITY[line.status]
    elif sort in ("member", "metric"):
        value = line.member_name if sort == "member" else line.key[0]
    else:
        value = line.variance if sort == "variance" else line.variance_pct
    return (value is None, value if value is not None else 0)


def sorted_lines(lines: list[Line], sort: str) -> list[Line]:
    """By ``sort`` (``-`` first: descending), then member and metric; lines
    without a value (no data) last either way."""
    key = sort.lstrip("-")
    ordered = sorted(lines, key=lambda x: (x.member_name, str(x.key)))
    ranked = [(_order(x, key), x) for x in ordered]
    present = [(order[1], x) for order, x in ranked if not order[0]]
    present.sort(key=lambda pair: pair[0], reverse=sort.startswith("-"))
    return [x for _, x in present] + [x for order, x in ranked if order[0]]


COLUMNS = [
    "member",
    "member_name",
    "metric",
    "activity_kind",
    "currency",
    "standard",
    "actual",
    "variance",
    "variance_pct",
    "status",
    "open_actions",
]


def to_csv(report: dict[str, Any]) -> str:
    """One row per line (``open_actions``: how many are open against it);
    then, per trend period, its standard and actual."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    lines = report["lines"]
    labels = [t["period"] for t in lines[0]["trend"]] if lines else []
    trend = [f"{kind} {label}" for label in labels for kind in ("standard", "actual")]
    writer.writerow([*COLUMNS, *trend])
    for line in lines:
        values = line | {
            "open_actions": sum(a["status"] == "open" for a in line["actions"])
        }
        cells = [values[c] for c in COLUMNS]
        cells += [v for t in line["trend"] for v in (t["standard"], t["actual"])]
        writer.writerow(["" if c is None else c for c in cells])
    return out.getvalue()
