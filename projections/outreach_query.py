"""Reads of the outreach view: current outreach to one customer, by purpose,
department and rep; and the overrides of the outreach guard.

*Current* outreach at a moment ``now``: every planned activity, and every
activity completed less than its purpose's look-back window before ``now``
(``Policy.window``, from the settings, so a change of settings needs no
rebuild). A customer is an account (its own activities and those of its
contacts now at it) or a contact (its own, and those with its account that
name no contact: a contact's account counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.outreach_rules import Policy
from projections.view import Cursor, Tables

COLUMNS = (
    "activity_id, contact_id, account_id, purpose, kind, rep_id, department,"
    " status, scheduled_at, completed_at, at, override_reason"
)
NAMES = tuple(name.strip() for name in COLUMNS.split(","))
OF_ACCOUNT = (
    "(account_id = %s OR contact_id IN"
    " (SELECT contact_id FROM {contacts} WHERE account_id = %s))"
)
OF_CONTACT = (
    "(contact_id = %s OR (contact_id IS NULL AND account_id ="
    " (SELECT account_id FROM {contacts} WHERE contact_id = %s)))"
)
CURRENT = "(status = 'planned' OR (status = 'completed' AND completed_at >= %s))"
MAX_ROWS = 5000


def as_time(value: Any) -> Any:
    """A stored time as an aware ``datetime`` (SQLite gives ISO text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def longest_window(policy: Policy) -> timedelta:
    return timedelta(days=max([policy.window_days, *(d for _, d in policy.windows)]))


def as_uuid(value: Any) -> Any:
    """A stored id as a ``UUID`` (SQLite gives text)."""
    return UUID(value) if isinstance(value, str) else value


IDS = ("activity_id", "contact_id", "account_id", "rep_id")
TIMES = ("scheduled_at", "completed_at", "at", "occurred_at")


def typed(row: dict[str, Any]) -> dict[str, Any]:
    """Ids as ``UUID`` and times as aware ``datetime``, on either store."""
    for name in IDS:
        if name in row:
            row[name] = as_uuid(row[name])
    for name in TIMES:
        if name in row:
            row[name] = as_time(row[name])
    return row


@dataclass(frozen=True)
class Customer:
    """Exactly one of the two."""

    account_id: UUID | None = None
    contact_id: UUID | None = None


def current(
    cursor: Cursor, tables: Tables, customer: Customer, now: datetime, policy: Policy
) -> list[dict[str, Any]]:
    """The customer's current outreach, ordered by purpose then time."""
    where, key = (
        (OF_ACCOUNT, customer.account_id)
        if customer.account_id is not None
        else (OF_CONTACT, customer.contact_id)
    )
    since = now - longest_window(policy)
    cursor.execute(
        tables.sql(
            f"SELECT {COLUMNS} FROM {{approaches}} WHERE {where} AND {CURRENT}"
            " ORDER BY purpose, at, activity_id LIMIT %s"
        ),
        [key, key, since.astimezone(UTC), MAX_ROWS],
    )
    rows = [typed(dict(zip(NAMES, row, strict=True))) for row in cursor.fetchall()]
    return [row for row in rows if _in_window(row, now, policy)]


def _in_window(row: dict[str, Any], now: datetime, policy: Policy) -> bool:
    if row["status"] == "planned":
        return True
    return bool(row["completed_at"] >= now - policy.window(row["purpose"]))


OVERRIDE_COLUMNS = (
    "position, activity_id, occurred_at, actor, reason, rules, colliding_ids,"
    " contact_id, account_id, purpose, rep_id, department"
)
OVERRIDE_NAMES = tuple(name.strip() for name in OVERRIDE_COLUMNS.split(","))


def overrides(
    cursor: Cursor,
    tables: Tables,
    *,
    rep_id: UUID | None,
    before: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """The latest overrides first (``before``: positions below it only)."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    if rep_id is not None:
        where.append("rep_id = %s")
        params.append(rep_id)
    if before is not None:
        where.append("position < %s")
        params.append(before)
    cursor.execute(
        tables.sql(
            f"SELECT {OVERRIDE_COLUMNS} FROM {{overrides}}"
            f" WHERE {' AND '.join(where)} ORDER BY position DESC LIMIT %s"
        ),
        [*params, limit],
    )
    rows = [typed(dict(zip(OVERRIDE_NAMES, r, strict=True))) for r in cursor.fetchall()]
    for row in rows:
        row["rules"] = row["rules"].split(",") if row["rules"] else []
        ids = row["colliding_ids"]
        row["colliding_ids"] = ids.split(",") if ids else []
    return rows
