"""Reading the contact history: one timeline, newest first, filtered."""

from __future__ import annotations

from typing import Any
from uuid import UUID

FILTERS = {
    "record_type": "record_type = %s",
    "kind": "activity_kind = %s",
    "purpose": "purpose = %s",
    "department": "department = %s",
    "rep_id": "rep_id = %s",
    "since": "occurred_at >= %s",
    "until": "occurred_at < %s",
}


def timeline(
    cursor: Any,
    tables: Any,
    *,
    of: str,
    record_id: UUID | list[UUID],
    before: int | None = None,
    limit: int = 50,
    **filters: Any,
) -> list[tuple[Any, ...]]:
    """Entries of one contact's (``of="contact_id"``) or account's timeline,
    newest first, positions below ``before``, narrowed by ``FILTERS``. Several
    ids (a survivor and the records merged into it): one timeline of all."""
    assert of in ("contact_id", "account_id")
    ids = record_id if isinstance(record_id, list) else [record_id]
    where = [f"{of} IN ({', '.join(['%s'] * len(ids))})"]
    params: list[Any] = list(ids)
    if before is not None:
        where.append("position < %s")
        params.append(before)
    for name, value in filters.items():
        if value is not None:
            where.append(FILTERS[name])
            params.append(value)
    cursor.execute(
        tables.sql(
            "SELECT position, occurred_at, contact_id, account_id, record_type,"
            " record_id, event_type, activity_kind, purpose, department, rep_id,"
            " actor, details FROM {entries} WHERE "
            + " AND ".join(where)
            + " ORDER BY position DESC LIMIT %s"
        ),
        [*params, limit],
    )
    return list(cursor.fetchall())
