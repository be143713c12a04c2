"""Reading the development view: one rep's training and coaching, newest
first, and the programmes with how many reps completed each."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from projections.catalog_query import Page, page
from projections.view import Cursor, Tables

PROGRAMME_COLUMNS = [
    "programme_id",
    "name",
    "hours",
    "status",
    "completions",
    "version",
    "launched_position",
    "launched_at",
]
TRAINING = (
    "SELECT c.programme_id, p.name, p.hours, c.completed_on, c.score"
    " FROM {completions} c JOIN {programmes} p ON p.programme_id = c.programme_id"
    " WHERE c.rep_id = %s ORDER BY c.completed_on DESC, c.recorded_position DESC"
)
COACHING = (
    "SELECT session_id, manager_id, topic, held_on, corrective_action_id"
    " FROM {coaching} WHERE rep_id = %s"
    " ORDER BY held_on DESC, logged_position DESC"
)


def _rows(cursor: Cursor, sql: str, params: list[Any], names: list[str]) -> Any:
    cursor.execute(sql, params)
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def development(cursor: Cursor, tables: Tables, rep_id: UUID) -> dict[str, Any]:
    """``training`` and ``coaching``: lists of dicts, newest first."""
    training = ["programme_id", "name", "hours", "completed_on", "score"]
    coaching = ["session_id", "manager_id", "topic", "held_on", "corrective_action_id"]
    return {
        "training": _rows(cursor, tables.sql(TRAINING), [rep_id], training),
        "coaching": _rows(cursor, tables.sql(COACHING), [rep_id], coaching),
    }


def programmes(
    cursor: Cursor,
    tables: Tables,
    *,
    after: int | None = None,
    limit: int = 50,
    status: str | None = None,
) -> Page:
    return page(
        cursor,
        tables,
        "programmes",
        PROGRAMME_COLUMNS,
        "launched_position",
        after=after,
        limit=limit,
        search=None,
        filters={"status": status},
    )
