"""``GET /reports/time``: where the reps' minutes went in a period, per rep,
activity kind or purpose (time management). Managers, analysts, auditors
and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ContainerDep
from api.reads import wait_for_position
from api.routes.forecasts import FiscalStart, MinPosition, PeriodText
from api.routes.standards import ReportReader
from api.schemas.forecasts import PeriodOut
from api.schemas.time_report import TimeGroup, TimeReportOut, TimeRowOut
from domain.periods import parse
from projections.control import Control
from projections.time_query import rep_names, time_spent, total

router = APIRouter(prefix="/reports", tags=["reports"])
WAIT_SECONDS = 5.0


@router.get("/time", response_model=TimeReportOut, responses={503: {}})
def time_report(
    _: ReportReader,
    container: ContainerDep,
    period: PeriodText,
    group_by: Annotated[TimeGroup, Query()] = "rep",
    fiscal_year_start: FiscalStart = None,
    min_position: MinPosition = None,
) -> TimeReportOut:
    """Per group: activities completed in the period (planned beforehand or
    logged after the fact), minutes, average minutes, selling minutes
    (calls, meetings, visits, emails) against internal ones (tasks) and the
    selling share; and the total. Most minutes first."""
    fy = fiscal_year_start or container.settings.fiscal_year_start
    wanted = parse(period, fy)
    wait_for_position(container, Control.name, min_position, WAIT_SECONDS)
    store = container.projections.store
    position = store.position(Control.name)
    with store.reading() as cursor:
        names = store.names(Control)
        rows = time_spent(cursor, names, period=wanted, group_by=group_by)
        who = rep_names(cursor, names) if group_by == "rep" else {}
    return TimeReportOut(
        period=PeriodOut.of(wanted),
        group_by=group_by,
        rows=[TimeRowOut.of(r, who.get(r.group or "")) for r in rows],
        total=TimeRowOut.of(total(rows)),
        position=position,
    )
