"""Corrective actions: one row per action, as it stands, for the control
report to show beside the variance each addresses (``actions_query``).

What must hold: a row holds what the action's events say, nothing else (no
clock); ``opened_at`` is the timestamp of its ``Opened`` event.
"""

from __future__ import annotations

from typing import Any, ClassVar

from domain.corrective_action import CorrectiveAction
from projections.agenda import utc
from projections.events import event_class
from projections.view import Step, View, handles

OPENED = "scope member metric activity_kind currency period owner_id kind due_date note"
CHANGES = {
    "DueDateChanged": "due_date",
    "OwnerChanged": "owner_id",
}


class CorrectiveActions(View):
    name = "actions"
    tables: ClassVar[dict[str, str]] = {
        "corrective": (
            "action_id UUID PRIMARY KEY, scope TEXT NOT NULL, member TEXT NOT NULL,"
            " metric TEXT NOT NULL, activity_kind TEXT, currency TEXT,"
            " period TEXT NOT NULL, owner_id UUID NOT NULL, kind TEXT NOT NULL,"
            " due_date DATE NOT NULL, note TEXT, status TEXT NOT NULL,"
            " outcome TEXT, closed_on DATE, opened_at TIMESTAMPTZ NOT NULL"
        ),
    }
    indexes: ClassVar[dict[str, str]] = {
        "addressed": "{corrective} (scope, period, member)",
    }

    @handles(event_class(CorrectiveAction, "Opened"))
    def opened(self, step: Step, event: Any) -> None:
        names = OPENED.split()
        step.execute(
            f"INSERT INTO {{corrective}} (action_id, {', '.join(names)}, status,"
            f" opened_at) VALUES (%s, {'%s, ' * len(names)}'open', %s)"
            " ON CONFLICT (action_id) DO NOTHING",
            event.originator_id,
            *[getattr(event, name) for name in names],
            utc(event.timestamp),
        )

    @handles(*(event_class(CorrectiveAction, name) for name in CHANGES))
    def changed(self, step: Step, event: Any) -> None:
        column = CHANGES[type(event).__name__]
        step.execute(
            f"UPDATE {{corrective}} SET {column} = %s WHERE action_id = %s",
            event.new,
            event.originator_id,
        )

    @handles(event_class(CorrectiveAction, "Closed"))
    def closed(self, step: Step, event: Any) -> None:
        step.execute(
            "UPDATE {corrective} SET status = 'closed', outcome = %s, closed_on = %s"
            " WHERE action_id = %s",
            event.outcome,
            event.closed_on,
            event.originator_id,
        )
