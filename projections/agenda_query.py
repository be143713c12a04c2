"""The rep agenda read: for the day a reader asks about, the rep's rows
for each reason, decided from the agenda view's facts (the rules:
``QUERIES``; docs/read-models.md).

Times are stored in UTC: on SQLite they are ISO 8601 text, compared as text,
so a day's bounds are given as UTC times (``Day.start``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from uuid import UUID

from projections.view import Cursor, Tables

STALE_DAYS = 14  # an open deal with no activity with its account this long
FOLLOW_UP_DAYS = 30  # completions this recent may be missing a follow-up


@dataclass(frozen=True)
class Day:
    """The day an agenda is for, in the reader's time zone."""

    date: date
    zone: tzinfo = UTC

    def start(self, days_back: int = 0) -> datetime:
        """The first moment (in UTC) of the day ``days_back`` days before."""
        day = self.date - timedelta(days=days_back)
        return datetime.combine(day, time(), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return self.start(-1)


ACTIVITY = (
    "SELECT a.activity_id, a.kind, a.purpose, a.contact_id, a.account_id,"
    " a.scheduled_at, a.completed_at, a.outcome"
    " FROM {activities} a WHERE a.owner_id = %s AND "
)
DEAL = (  # open deals with the last completed activity with their account
    "SELECT * FROM (SELECT o.opportunity_id, o.name, o.account_id, o.stage,"
    " o.amount, o.currency, o.expected_close_date, o.opened_at,"
    " (SELECT MAX(b.completed_at) FROM {activities} b"
    " WHERE b.account_id = o.account_id AND b.status = 'completed')"
    " AS last_activity_at FROM {opportunities} o"
    " WHERE o.owner_id = %s AND o.status = 'open') d WHERE "
)
# the later of the last activity with the deal's account and its opening
IDLE_SINCE = (
    "CASE WHEN d.last_activity_at > d.opened_at"
    " THEN d.last_activity_at ELSE d.opened_at END"
)
# nothing is planned with the same customer (account or contact), by anyone,
# and no one has completed an activity with them since
NOTHING_AFTER = (
    "NOT EXISTS (SELECT 1 FROM {activities} b"
    " WHERE (b.account_id = a.account_id OR b.contact_id = a.contact_id)"
    " AND (b.status = 'planned' OR (b.status = 'completed'"
    " AND (b.completed_at > a.completed_at OR (b.completed_at = a.completed_at"
    " AND b.completed_position > a.completed_position)))))"
)
Params = Callable[[Day], list[Any]]
QUERIES: dict[str, tuple[str, Params]] = {
    "overdue": (
        ACTIVITY + "a.status = 'planned' AND a.scheduled_at < %s"
        " ORDER BY a.scheduled_at, a.activity_id",
        lambda day: [day.start()],
    ),
    "due_today": (
        ACTIVITY + "a.status = 'planned' AND a.scheduled_at >= %s"
        " AND a.scheduled_at < %s ORDER BY a.scheduled_at, a.activity_id",
        lambda day: [day.start(), day.end],
    ),
    "follow_up_missing": (
        ACTIVITY + "a.status = 'completed' AND a.follow_up_id IS NULL"
        " AND (a.contact_id IS NOT NULL OR a.account_id IS NOT NULL)"
        " AND a.completed_at >= %s AND a.completed_at < %s AND "
        + NOTHING_AFTER
        + " ORDER BY a.completed_at, a.activity_id",
        lambda day: [day.start(FOLLOW_UP_DAYS - 1), day.end],
    ),
    "close_date_passed": (
        DEAL + "d.expected_close_date < %s"
        " ORDER BY d.expected_close_date, d.opportunity_id",
        lambda day: [day.date],
    ),
    "stale_deal": (
        DEAL + f"{IDLE_SINCE} < %s ORDER BY {IDLE_SINCE}, d.opportunity_id",
        lambda day: [day.start(STALE_DAYS - 1)],
    ),
}
REASONS = tuple(QUERIES)


def agenda(
    cursor: Cursor, tables: Tables, *, rep_id: UUID, day: Day, limit: int
) -> dict[str, list[tuple[Any, ...]]]:
    """The rep's rows for each of ``REASONS`` on ``day``, at most ``limit``
    each, oldest first. Activity rows: id, kind, purpose, contact, account,
    scheduled and completed times, outcome. Deal rows: id, name, account,
    stage, amount, currency, close date, opened, last activity (or null)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for reason, (statement, params) in QUERIES.items():
        cursor.execute(
            tables.sql(statement + " LIMIT %s"), [rep_id, *params(day), limit]
        )
        found[reason] = list(cursor.fetchall())
    return found
