"""``GET /reports/control``: performance against standards, per member of a
scope and metric, with the trend; JSON or CSV (``format=csv``).

Answered from the control view (facts and standards, no clock): the report
measures the asked period up to now. Managers, analysts, auditors, admins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response

from api.deps import ContainerDep
from api.reads import wait_for_position
from api.routes.forecasts import FiscalStart, MinPosition, PeriodText
from api.routes.standards import ReportReader
from api.schemas.forecasts import PeriodOut
from api.schemas.reports import (
    ControlReportOut,
    line_json,
    sorted_lines,
    to_csv,
)
from domain.periods import parse
from infra.bootstrap import Container
from projections.actions import CorrectiveActions
from projections.actions_query import actions
from projections.control import Control
from projections.control_query import Thresholds, control_report

router = APIRouter(prefix="/reports", tags=["reports"])
VIEW = Control.name
WAIT_SECONDS = 5.0
Sort = Literal[
    "status",
    "-status",
    "member",
    "-member",
    "metric",
    "-metric",
    "variance",
    "-variance",
    "variance_pct",
    "-variance_pct",
]  # api.schemas.reports.SORTS, each ascending or descending
Pct = Annotated[Decimal, Query(ge=0, le=1000, max_digits=8)]


@dataclass
class ControlQuery:
    period: PeriodText
    scope: Annotated[Literal["rep", "team", "territory", "everyone"], Query()] = "rep"
    trend: Annotated[int, Query(ge=0, le=12, description="periods before")] = 3
    sort: Annotated[Sort, Query(description="a field; -field: descending")] = "status"
    format: Annotated[Literal["json", "csv"], Query()] = "json"
    above_pct: Pct = Decimal(10)
    below_pct: Pct = Decimal(10)
    far_below_pct: Pct = Decimal(30)
    fiscal_year_start: FiscalStart = None
    min_position: MinPosition = None

    def thresholds(self) -> Thresholds:
        if self.far_below_pct < self.below_pct:
            error = {
                "type": "value_error",
                "loc": ("query", "far_below_pct"),
                "msg": "far_below_pct must be at least below_pct",
                "input": str(self.far_below_pct),
            }
            raise RequestValidationError([error])
        return Thresholds(self.above_pct, self.below_pct, self.far_below_pct)


def build(container: Container, query: ControlQuery) -> dict[str, Any]:
    """``ControlReportOut`` as JSON-ready values."""
    thresholds = query.thresholds()
    fy = query.fiscal_year_start or container.settings.fiscal_year_start
    period = parse(query.period, fy)
    for view in (VIEW, CorrectiveActions.name):
        wait_for_position(container, view, query.min_position, WAIT_SECONDS)
    store = container.projections.store
    labels = [period.previous(n).label for n in range(query.trend, 0, -1)]
    with store.reading() as cursor:  # the position first: the rows are newer
        cursor.execute(
            f"SELECT position FROM {store.positions} WHERE name = %s", [VIEW]
        )
        row = cursor.fetchone()
        position = int(row[0]) if row else 0
        lines = control_report(
            cursor,
            store.names(Control),
            period=period,
            scope=query.scope,
            until=dt.datetime.now(dt.UTC),
            trend=query.trend,
            thresholds=thresholds,
        )
        names = store.names(CorrectiveActions)
        found = actions(cursor, names, query.scope, [*labels, period.label])
    limits = (thresholds.above, thresholds.below, thresholds.far_below)
    return {
        "period": PeriodOut.of(period).model_dump(mode="json"),
        "scope": query.scope,
        "thresholds": {
            f"{name}_pct": str(value)
            for name, value in zip(("above", "below", "far_below"), limits, strict=True)
        },
        "lines": [
            line_json(line, found, thresholds)
            for line in sorted_lines(lines, query.sort)
        ],
        "position": position,
    }


@router.get(
    "/control",
    response_model=ControlReportOut,
    responses={200: {"content": {"text/csv": {}}}, 503: {}},
)
def control(
    _: ReportReader,
    container: ContainerDep,
    query: Annotated[ControlQuery, Depends()],
) -> Response:
    """Per member of the scope (each rep, team, territory, or everyone) and
    metric with a standard in force for the period: standard, actual,
    variance (absolute and %), status (`above`, `on_track`, `below`,
    `far_below`, `no_data`; thresholds in % of the standard), and standard
    and actual in the `trend` periods before; beside each, the corrective
    actions against it (for this period or a trend period) and whether the
    metric recovered after. `format=csv` exports it."""
    report = build(container, query)
    if query.format == "csv":
        name = f"control-{report['period']['label']}-{report['scope']}.csv"
        return PlainTextResponse(
            to_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return Response(orjson.dumps(report), media_type="application/json")
