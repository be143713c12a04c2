"""Quota: the standards for ``won_amount`` in force for a period, summed per
forecast group and currency, so the forecast shows attainment.

What must hold:
- A rep's quota is its per-rep ``won_amount`` target (the most specific
  standard of the period's kind in force for the period, as the control
  report chooses it), in the standard's currency.
- A team's quota is the sum over its current active reps; the totals' is
  the sum over all active reps. Territories (of accounts) and pipelines
  have none.
"""

from __future__ import annotations

from decimal import Decimal

from domain.periods import Period
from projections.control_query import active_reps, targets
from projections.view import Cursor, Tables

ALL = "*"  # the group of the totals
Quotas = dict[tuple[str | None, str], Decimal]  # (group or ALL, currency)


def quotas(cursor: Cursor, tables: Tables, period: Period, group_by: str) -> Quotas:
    """Per (group, currency), and per (``ALL``, currency) for all reps."""
    if group_by not in ("rep", "team"):
        return {}
    reps = active_reps(cursor, tables)
    found: Quotas = {}
    for (metric, _, currency), by_rep in targets(cursor, tables, [period], reps)[
        0
    ].items():
        if metric != "won_amount" or currency is None:
            continue
        for rep in reps:
            if rep.rep_id not in by_rep:
                continue
            group = rep.rep_id if group_by == "rep" else rep.team_id
            for key in ((group, currency), (ALL, currency)):
                found[key] = found.get(key, Decimal(0)) + by_rep[rep.rep_id]
    return found
