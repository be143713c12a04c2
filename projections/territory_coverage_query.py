"""The territory report: per territory, its reps, its accounts (prospects
against active customers), the open pipeline of its accounts, their
activities in a period, and the accounts nobody contacted lately.

What must hold:
- An account, its deals and its activities count in the account's current
  territory; a rep in the rep's current territory (active reps only).
  Accounts without a territory are the territory ``None``.
- ``uncovered`` counts accounts with no activity completed in the
  ``COVERAGE_DAYS`` before the moment asked (none ever included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from projections.forecast_query import money
from projections.view import Cursor, Tables

COVERAGE_DAYS = 90
ACCOUNTS = (
    "SELECT territory, COUNT(*),"
    " SUM(CASE WHEN status = 'prospect' THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN status = 'active_customer' THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN status = 'former_customer' THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN last_activity_at IS NULL OR last_activity_at < %s"
    " THEN 1 ELSE 0 END) FROM {accounts} GROUP BY territory"
)
PIPELINE = (
    "SELECT a.territory, d.currency, SUM(d.amount), COUNT(*) FROM {deals} d"
    " JOIN {accounts} a ON a.account_id = d.account_id WHERE d.status = 'open'"
    " GROUP BY a.territory, d.currency"
)
ACTIVITIES = (
    "SELECT a.territory, COUNT(*) FROM {activities} x"
    " JOIN {accounts} a ON a.account_id = x.account_id"
    " WHERE x.completed_at >= %s AND x.completed_at < %s GROUP BY a.territory"
)
REPS = "SELECT territory, COUNT(*) FROM {reps} WHERE active = TRUE GROUP BY territory"


@dataclass
class Territory:
    name: str | None
    reps: int = 0
    accounts: int = 0
    prospects: int = 0
    active_customers: int = 0
    former_customers: int = 0
    uncovered: int = 0
    activities: int = 0
    open_pipeline: dict[str, tuple[Decimal, int]] = field(default_factory=dict)

    @property
    def prospect_ratio(self) -> Decimal | None:
        """Prospects per active customer."""
        if not self.active_customers:
            return None
        return Decimal(self.prospects) / self.active_customers


def territories(
    cursor: Cursor,
    tables: Tables,
    reps: Tables,
    *,
    window: tuple[datetime, datetime],
    until: datetime,
) -> list[Territory]:
    """Every territory with a rep or an account, by name (none last).
    ``reps``: the control view's tables (its ``reps``)."""
    found: dict[str | None, Territory] = {}

    def at(name: Any) -> Territory:
        key = None if name is None else str(name)
        if key not in found:
            found[key] = Territory(key)
        return found[key]

    cursor.execute(tables.sql(ACCOUNTS), [until - timedelta(days=COVERAGE_DAYS)])
    for name, *counts in cursor.fetchall():
        t = at(name)
        t.accounts, t.prospects, t.active_customers, t.former_customers = (
            int(c or 0) for c in counts[:4]
        )
        t.uncovered = int(counts[4] or 0)
    cursor.execute(tables.sql(PIPELINE))
    for name, currency, amount, count in cursor.fetchall():
        at(name).open_pipeline[str(currency)] = (money(amount), int(count))
    cursor.execute(tables.sql(ACTIVITIES), list(window))
    for name, count in cursor.fetchall():
        at(name).activities = int(count)
    cursor.execute(reps.sql(REPS))
    for name, count in cursor.fetchall():
        at(name).reps = int(count)
    return sorted(found.values(), key=lambda t: (t.name is None, t.name or ""))
