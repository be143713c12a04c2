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

from projections.forecast import moment
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


INTERVALS = (
    "SELECT CAST(opportunity_id AS TEXT), CAST(pipeline_id AS TEXT), stage,"
    " status, seq, valid_from, valid_to FROM {deal_intervals}"
    " WHERE valid_from <= %s ORDER BY 1, seq"
)


@dataclass(frozen=True)
class StageTimes:
    """Median days: in each stage (stays that ended by the moment asked,
    summed per deal), and from opening to closing (deals closed by then)."""

    in_stage: dict[tuple[str, str], Decimal]
    to_close: dict[str, Decimal]


def _median(values: list[float]) -> Decimal:
    ordered, n = sorted(values), len(values)
    middle = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return Decimal(str(round(middle, 2)))


def stage_times(cursor: Cursor, tables: Tables, as_of: datetime) -> StageTimes:
    """From every state recorded by ``as_of`` (one pass over the deals)."""
    cursor.execute(tables.sql(INTERVALS), [as_of])
    stays: dict[tuple[str, str], dict[str, float]] = {}
    closes: dict[str, list[float]] = {}
    opened: dict[str, datetime] = {}
    for deal, pipeline, stage, status, seq, start, end in cursor.fetchall():
        start, end = moment(start), None if end is None else moment(end)
        if int(seq) == 0:
            opened[deal] = start
        if status == "open" and end is not None and end <= as_of:
            days = (end - start).total_seconds() / 86400
            per_deal = stays.setdefault((pipeline, stage), {})
            per_deal[deal] = per_deal.get(deal, 0.0) + days
        elif status != "open" and deal in opened:
            days = (start - opened[deal]).total_seconds() / 86400
            closes.setdefault(pipeline, []).append(days)
    return StageTimes(
        {k: _median(list(v.values())) for k, v in sorted(stays.items())},
        {k: _median(v) for k, v in sorted(closes.items())},
    )
