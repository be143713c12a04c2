"""A forecast range: P10, P50 and P90 of what each group will have won in a
period, by simulating the outcome of every open deal (won with its weight:
the observed stage rate with ``method=historical``, else its probability).

What must hold:
- Reproducible: the same seed, deals and weights give the same figures
  (deals are drawn in the order of their ids, one generator per group).
- Each run's figure is what was already won plus the amounts of the deals
  the run wins; P10 is the figure 10 % of runs stay below, and so on.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from domain.periods import Period
from projections.forecast_query import Figures, Rates, money, params, source
from projections.view import Cursor, Tables

RUNS = 1000
OPEN = (
    "SELECT {column}, i.currency, CAST(i.opportunity_id AS TEXT),"
    " CAST(i.pipeline_id AS TEXT), i.stage, i.amount, i.probability{where}"
    " AND i.status = 'open'"
)
Key = tuple[str | None, str]


def open_deals(
    cursor: Cursor,
    tables: Tables,
    *,
    period: Period,
    group_by: str,
    as_of: datetime | None,
    rates: Rates,
) -> dict[Key, list[tuple[str, float, float]]]:
    """Per (group, currency): (deal id, amount, chance of winning), by id."""
    column, where, uses = source(group_by, as_of)
    cursor.execute(
        tables.sql(OPEN.format(column=column, where=where)),
        params(period, as_of, uses),
    )
    found: dict[Key, list[tuple[str, float, float]]] = defaultdict(list)
    for (
        group,
        currency,
        deal,
        pipeline,
        stage,
        amount,
        probability,
    ) in cursor.fetchall():
        rate = rates.get((str(pipeline), str(stage)))
        chance = float(rate) if rate is not None else int(probability) / 100
        key = (None if group is None else str(group), str(currency))
        found[key].append((str(deal), float(money(amount)), chance))
    return {k: sorted(v) for k, v in found.items()}


def percentiles(
    won: Decimal,
    deals: list[tuple[str, float, float]],
    seed: str,
    runs: int = RUNS,
) -> tuple[Decimal, Decimal, Decimal]:
    """P10, P50, P90 of won + the deals a run wins, over ``runs`` runs;
    ``seed`` (e.g. ``"1:<group>:<currency>"``) seeds the generator."""
    rng = random.Random(seed)
    base = float(won)
    outcomes = sorted(
        base + sum(amount for _, amount, chance in deals if rng.random() < chance)
        for _ in range(runs)
    )
    pick = [outcomes[min(runs - 1, int(runs * q))] for q in (0.1, 0.5, 0.9)]
    return tuple(Decimal(str(round(v, 2))) for v in pick)  # type: ignore[return-value]


def spreads(
    cursor: Cursor,
    tables: Tables,
    *,
    period: Period,
    group_by: str,
    as_of: datetime | None,
    rates: Rates,
    seed: int,
    rows: list[Figures],
) -> dict[Key, dict[str, Decimal]]:
    """Per forecast row: its ``p10``, ``p50`` and ``p90``."""
    deals = open_deals(
        cursor, tables, period=period, group_by=group_by, as_of=as_of, rates=rates
    )
    found = {}
    for f in rows:
        key = (f.group, f.currency)
        figures = percentiles(f.closed_won, deals.get(key, []), f"{seed}:{key}")
        found[key] = dict(zip(("p10", "p50", "p90"), figures, strict=True))
    return found
