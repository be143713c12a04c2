"""Forecast adjustments: every figure managers recorded for a rep's or a
team's forecast, as a history, so the forecast as of any moment shows the
adjusted figure said then beside the raw one.

What must hold: one row per event (``Recorded``, ``Revised``), keyed by the
adjustment and its version; the figure at T is the latest row recorded at
or before T.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from domain.forecast_adjustment import ForecastAdjustment
from projections.agenda import utc
from projections.events import event_class
from projections.forecast_query import money
from projections.view import Cursor, Step, Tables, View, handles

LATEST = (
    "SELECT h.member, h.currency, h.amount, h.note, h.actor, h.recorded_at"
    " FROM {history} h WHERE h.scope = %s AND h.period = %s{until}"
    " AND h.version = (SELECT MAX(g.version) FROM {history} g"
    " WHERE g.adjustment_id = h.adjustment_id{g_until})"
)


class Adjustments(View):
    name = "adjustments"
    tables: ClassVar[dict[str, str]] = {
        "history": (
            "adjustment_id UUID NOT NULL, version INTEGER NOT NULL,"
            " scope TEXT NOT NULL, member TEXT NOT NULL, period TEXT NOT NULL,"
            " currency TEXT NOT NULL, amount NUMERIC NOT NULL, note TEXT NOT NULL,"
            " actor TEXT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL,"
            " PRIMARY KEY (adjustment_id, version)"
        ),
    }
    indexes: ClassVar[dict[str, str]] = {"asked": "{history} (scope, period)"}

    @handles(
        event_class(ForecastAdjustment, "Recorded"),
        event_class(ForecastAdjustment, "Revised"),
    )
    def adjusted(self, step: Step, event: Any) -> None:
        """A revision copies what it does not change from the row before."""
        if type(event).__name__ == "Recorded":
            step.execute(
                "INSERT INTO {history} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (adjustment_id, version) DO NOTHING",
                event.originator_id,
                event.originator_version,
                event.scope,
                event.member,
                event.period,
                event.currency,
                event.amount,
                event.note,
                event.actor,
                utc(event.timestamp),
            )
            return
        step.execute(
            "INSERT INTO {history} SELECT adjustment_id, %s, scope, member, period,"
            " currency, %s, %s, %s, %s FROM {history} WHERE adjustment_id = %s"
            " AND version = %s ON CONFLICT (adjustment_id, version) DO NOTHING",
            event.originator_version,
            event.amount,
            event.note,
            event.actor,
            utc(event.timestamp),
            event.originator_id,
            event.originator_version - 1,
        )


@dataclass(frozen=True)
class Adjusted:
    amount: Decimal
    note: str
    actor: str
    recorded_at: Any


def adjusted(
    cursor: Cursor, tables: Tables, scope: str, period: str, as_of: datetime | None
) -> dict[tuple[str, str], Adjusted]:
    """Per (member, currency): the figure recorded for ``period`` (as of
    ``as_of``: the latest recorded by then)."""
    until = "" if as_of is None else " AND h.recorded_at <= %s"
    g_until = "" if as_of is None else " AND g.recorded_at <= %s"
    sql = LATEST.format(until=until, g_until=g_until, history="{history}")
    params = [scope, period] + ([] if as_of is None else [as_of, as_of])
    cursor.execute(tables.sql(sql), params)
    return {
        (str(m), str(c)): Adjusted(money(a), str(n), str(who), at)
        for m, c, a, n, who, at in cursor.fetchall()
    }
