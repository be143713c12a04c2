"""Empirical stage probabilities: of the deals that were ever open in a stage
and have since closed, the share that was won, per pipeline and stage, from
the forecast view's intervals (``forecast.Forecast``).

What must hold:
- As of a moment T, only what was recorded by T counts: stages entered by
  T, and closings in force at T.
- A stage no closed deal passed through has no rate (the forecast then
  keeps the deal's configured probability for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from projections.forecast_query import AT, NOW, Rates
from projections.view import Cursor, Tables

RATES = (
    "SELECT CAST(s.pipeline_id AS TEXT), s.stage,"
    " SUM(CASE WHEN c.status = 'won' THEN 1 ELSE 0 END), COUNT(*)"
    " FROM (SELECT DISTINCT opportunity_id, pipeline_id, stage"
    " FROM {{deal_intervals}} WHERE status = 'open'{entered}) s"
    " JOIN {{deal_intervals}} c ON c.opportunity_id = s.opportunity_id"
    " AND c.status IN ('won', 'lost') AND {closed}"
    " GROUP BY s.pipeline_id, s.stage"
)


@dataclass(frozen=True)
class StageRate:
    pipeline_id: str
    stage: str
    won: int
    closed: int

    @property
    def rate(self) -> Decimal:
        return Decimal(self.won) / self.closed


def stage_rates(
    cursor: Cursor, tables: Tables, as_of: datetime | None = None
) -> list[StageRate]:
    """Per pipeline and stage with a closed deal: won and closed counts."""
    entered = "" if as_of is None else " AND valid_from <= %s"
    closed = (NOW if as_of is None else AT).format(alias="c")
    sql = RATES.format(entered=entered, closed=closed)
    params = [] if as_of is None else [as_of, as_of, as_of]
    cursor.execute(tables.sql(sql), params)
    found = [
        StageRate(str(p), str(s), int(w), int(n)) for p, s, w, n in cursor.fetchall()
    ]
    return sorted(found, key=lambda r: (r.pipeline_id, r.stage))


def as_rates(found: list[StageRate]) -> Rates:
    return {(r.pipeline_id, r.stage): r.rate for r in found}
