"""The reads bench_reports times: the route functions themselves, given a
stand-in container that holds only what they use (the view store and the
settings), so a figure is the queries plus the response model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from api.routes.forecasts import ForecastQuery, get_forecast
from api.routes.reports import ControlQuery
from api.routes.reports import control as control_route
from domain.periods import of_kind
from infra.settings import Settings
from infra.view_store import PgViewStore
from projections.forecast import Forecast

Read = tuple[str, Callable[[], Any]]


def reads(store: PgViewStore, now: datetime, year_back: datetime) -> list[Read]:
    container: Any = SimpleNamespace(
        settings=Settings(), projections=SimpleNamespace(store=store)
    )
    quarter = of_kind("quarter", now.date()).label
    then = of_kind("quarter", year_back.date()).label
    last_month = of_kind("month", now.date().replace(day=1) - timedelta(days=1)).label

    def forecast(period: str, group_by: Any, as_of: datetime | None = None) -> Any:
        query = ForecastQuery(period=period, group_by=group_by, as_of=as_of)
        return get_forecast(None, container, query).model_dump_json()  # type: ignore[arg-type]

    def control(scope: Any) -> Any:  # the route itself: JSON body included
        query = ControlQuery(period=last_month, scope=scope)
        return control_route(None, container, query).body  # type: ignore[arg-type]

    return [
        ("baseline: one primary-key read", lambda: primary_key(store)),
        (f"forecast {quarter} by rep, now", lambda: forecast(quarter, "rep")),
        (f"forecast {quarter} by team, now", lambda: forecast(quarter, "team")),
        (
            f"forecast {then} by rep, as of a year back",
            lambda: forecast(then, "rep", year_back),
        ),
        (f"control report {last_month} per rep", lambda: control("rep")),
        (f"control report {last_month} per team", lambda: control("team")),
    ]


def primary_key(store: PgViewStore) -> Any:
    with store.transaction() as cursor:
        cursor.execute(
            store.names(Forecast).sql(
                "SELECT * FROM {deal_intervals} WHERE opportunity_id = %s AND seq = 0"
            ),
            ["00000000-0000-0000-0000-000000000000"],
        )
        return cursor.fetchall()
