"""Tallies: each metric's numerator and denominator per rep and month, kept
by the control view as events arrive, so a report sums a few rows per rep
instead of scanning every activity and deal (``control_measures``).

What must hold:
- A tally row is (metric, detail, month, rep): ``detail`` is '' or the
  activity kind (activity metrics are tallied twice: all kinds and the
  kind), or the currency (amount metrics).
- Every statement is a write (``INSERT ... ON CONFLICT`` adding to the
  row); what it needs of earlier events it selects from the view's facts
  in SQL, so a handler never waits for a read.
- Reopening a deal takes back what its closing added.
- Months are periods' building blocks: every period (month, fiscal quarter
  or year) is whole months.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from projections.view import Step

ADD = (
    " ON CONFLICT (metric, detail, month, rep_id) DO UPDATE SET"
    " numerator = t.numerator + excluded.numerator,"
    " denominator = t.denominator + excluded.denominator"
)


def month(moment: datetime | date) -> date:
    """The first day of the (UTC) month of ``moment``."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).date()
    return moment.replace(day=1)


def add(
    step: Step,
    rep: Any,
    moment: datetime | date,
    metric: str,
    numerator: Any,
    denominator: Any = 0,
    detail: str = "",
) -> None:
    """Adds to one tally (a rep of None: nothing)."""
    if rep is None:
        return
    step.execute(
        "INSERT INTO {tallies} AS t VALUES (%s, %s, %s, %s, %s, %s)" + ADD,
        metric,
        detail,
        month(moment),
        rep,
        numerator,
        denominator,
    )


def add_selected(step: Step, selects: list[tuple[str, list[Any]]]) -> None:
    """Adds the rows the ``selects`` give (each: SQL and its parameters), in
    one statement: metric, detail, month, rep, numerator, denominator. No two
    may add to the same tally, and none may give a rep of NULL. (The outer
    ``WHERE`` lets SQLite tell the ``ON CONFLICT`` from a join.)"""
    union = " UNION ALL ".join(sql for sql, _ in selects)
    params = [p for _, values in selects for p in values]
    step.execute(
        f"INSERT INTO {{tallies}} AS t SELECT * FROM ({union}) x WHERE 1 = 1" + ADD,
        *params,
    )


def completed_from_row(step: Step, event: Any) -> None:
    """A completed activity counts, and its minutes, in all kinds and in its
    own (owner and kind from the facts); a planned one is on time if
    completed before its due moment."""
    selects = []
    for detail in ("''", "kind"):
        for metric, numerator, denominator in (
            ("activities_completed", "1", "0"),
            ("avg_minutes_per_activity", "%s", "1"),
        ):
            params = [event.duration_minutes] if numerator == "%s" else []
            selects.append(
                (
                    f"SELECT '{metric}', {detail}, %s, owner_id, {numerator},"
                    f" {denominator} FROM {{activities}} WHERE activity_id = %s"
                    " AND owner_id IS NOT NULL",
                    [month(event.completed_at), *params, event.originator_id],
                )
            )
    add_selected(step, selects)
    on_time(step, event, 1, 0, "due_before > %s", event.completed_at)


def on_time(
    step: Step, event: Any, numerator: int, denominator: int, when: str, *params: Any
) -> None:
    """Adds to the on-time shares (follow-ups also to theirs) of a planned
    activity, on its due month, if ``when`` holds of its facts."""
    add_selected(
        step,
        [
            (
                f"SELECT '{metric}', '', due_month, owner_id, {numerator},"
                f" {denominator} FROM {{activities}} WHERE activity_id = %s"
                f" AND planned = TRUE AND owner_id IS NOT NULL AND {when}{only}",
                [event.originator_id, *params],
            )
            for metric, only in (
                ("planned_on_time_share", ""),
                ("follow_ups_on_time_share", " AND follow_up = TRUE"),
            )
        ],
    )


# what a won or lost deal added, per metric: numerator, denominator, detail
CLOSED = {
    "deals_won": ("1", "0", "''", "status = 'won'"),
    "won_amount": ("won_amount", "0", "currency", "status = 'won'"),
    "win_rate": ("CASE WHEN status = 'won' THEN 1 ELSE 0 END", "1", "''", "1 = 1"),
    "avg_sales_cycle_days": ("cycle_seconds", "1", "''", "status = 'won'"),
}


def deal_closed(step: Step, deal: Any, sign: int) -> None:
    """Adds (``sign`` 1) or takes back (-1) what the deal's closing counts,
    from its facts as they are."""
    add_selected(
        step,
        [
            (
                f"SELECT '{metric}', {detail}, closed_month, closed_by,"
                f" {sign} * {numerator}, {sign} * {denominator} FROM {{deals}}"
                f" WHERE opportunity_id = %s AND closed_by IS NOT NULL"
                f" AND status IN ('won', 'lost')"
                f" AND {which}",
                [deal],
            )
            for metric, (numerator, denominator, detail, which) in CLOSED.items()
        ],
    )
