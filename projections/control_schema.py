"""The control view's tables (``control.Control``): the facts, the monthly
tallies (``control_tallies``) and the standards with their targets.

What must hold: these are ``Control.tables`` and ``Control.indexes``; a
change of them is a change of the view's tables, so a new view ``name``
(``projections.view.View``), as if made in ``Control`` itself.
"""

from __future__ import annotations

TABLES: dict[str, str] = {
    "activities": (
        "activity_id UUID PRIMARY KEY, owner_id UUID, kind TEXT NOT NULL,"
        " purpose TEXT NOT NULL, planned BOOLEAN NOT NULL,"
        " follow_up BOOLEAN NOT NULL, status TEXT NOT NULL,"
        " due_day TIMESTAMPTZ, due_before TIMESTAMPTZ, due_month DATE,"
        " completed_at TIMESTAMPTZ,"
        " duration_minutes INTEGER"
    ),
    "deals": (
        "opportunity_id UUID PRIMARY KEY, owner_id UUID, opened_by UUID,"
        " opened_at TIMESTAMPTZ NOT NULL, opened_epoch BIGINT NOT NULL,"
        " opened_amount NUMERIC NOT NULL,"
        " currency TEXT NOT NULL, probability INTEGER NOT NULL,"
        " status TEXT NOT NULL, closed_by UUID, closed_at TIMESTAMPTZ,"
        " closed_month DATE, won_amount NUMERIC, cycle_seconds BIGINT"
    ),
    "advances": (
        "position BIGINT PRIMARY KEY, opportunity_id UUID NOT NULL,"
        " owner_id UUID, moved_at TIMESTAMPTZ NOT NULL"
    ),
    "reps": (
        "rep_id UUID PRIMARY KEY, name TEXT NOT NULL, team_id UUID,"
        " territory TEXT, active BOOLEAN NOT NULL"
    ),
    "teams": "team_id UUID PRIMARY KEY, name TEXT NOT NULL",
    "tallies": (
        "metric TEXT NOT NULL, detail TEXT NOT NULL, month DATE NOT NULL,"
        " rep_id UUID NOT NULL, numerator NUMERIC NOT NULL,"
        " denominator NUMERIC NOT NULL, PRIMARY KEY (metric, detail, month, rep_id)"
    ),
    "standards": (
        "standard_id UUID PRIMARY KEY, metric TEXT NOT NULL, activity_kind TEXT,"
        " currency TEXT, scope TEXT NOT NULL, subject TEXT,"
        " period_kind TEXT NOT NULL"
    ),
    "targets": (
        "standard_id UUID NOT NULL, effective_from DATE NOT NULL,"
        " target NUMERIC, PRIMARY KEY (standard_id, effective_from)"
    ),
}
INDEXES: dict[str, str] = {
    "done": "{activities} (completed_at)",
    "due": "{activities} (due_day)",
    "opened": "{deals} (opened_at)",
    "closed": "{deals} (closed_at)",
    "moved": "{advances} (moved_at)",
}
