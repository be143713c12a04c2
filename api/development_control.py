"""The control-report lines around one rep, for their development page
(``GET /reps/{id}/development``).

What must hold:
- The lines are exactly the rep's lines of the control report at scope
  ``rep`` (``control_report``, the same query as ``GET /reports/control``,
  called, not copied): per metric with a standard in force for the period,
  standard, actual, variance, status, the ``trend`` periods before and the
  corrective actions against each.
- The period defaults to the current calendar month (UTC), measured up to
  now.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from api.schemas.forecasts import PeriodOut
from api.schemas.reports import line_json, sorted_lines
from domain.periods import parse
from infra.bootstrap import Container
from projections.actions import CorrectiveActions
from projections.actions_query import actions
from projections.control import Control
from projections.control_query import Thresholds, control_report


def current_month(now: dt.datetime) -> str:
    return f"{now.year:04d}-{now.month:02d}"


def rep_control(
    container: Container, rep_id: UUID, period_text: str | None, trend: int
) -> dict[str, Any]:
    """``RepControlOut`` as JSON-ready values."""
    now = dt.datetime.now(dt.UTC)
    fy = container.settings.fiscal_year_start
    period = parse(period_text or current_month(now), fy)
    labels = [period.previous(n).label for n in range(trend, 0, -1)]
    store = container.projections.store
    thresholds = Thresholds()
    with store.reading() as cursor:
        lines = control_report(
            cursor,
            store.names(Control),
            period=period,
            scope="rep",
            until=now,
            trend=trend,
            thresholds=thresholds,
        )
        mine = [line for line in lines if line.member == str(rep_id)]
        found = actions(
            cursor, store.names(CorrectiveActions), "rep", [*labels, period.label]
        )
    return {
        "period": PeriodOut.of(period).model_dump(mode="json"),
        "lines": [
            line_json(line, found, thresholds) for line in sorted_lines(mine, "metric")
        ],
        "position": store.position(Control.name),
    }
