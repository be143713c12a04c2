"""Tallies: each metric's numerator and denominator per rep and month, kept
by the control view as events arrive, so a report sums a few rows per rep
instead of scanning every activity and deal (``control_measures``).

What must hold:
- A tally row is (metric, detail, month, rep): ``detail`` is '' or the
  activity kind (activity metrics are tallied twice: all kinds and the
  kind), or the currency (amount metrics).
- What a handler adds it computes from the facts as the view holds them
  (``control_facts``, cached for the batch), never from a read of its own.
- Additions wait in the batch (``Tallies``) and are written together, one
  row per tally touched, when the batch's last event has been applied (or
  at once if the batch's events were not announced): the rows end as if
  each addition had been written alone, as nothing in the view reads them.
- Reopening a deal takes back what its closing added.
- Months are periods' building blocks: every period (month, fiscal quarter
  or year) is whole months.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from projections.control_facts import Act, Deal, day, uuid
from projections.view import Step

ADD = (
    " ON CONFLICT (metric, detail, month, rep_id) DO UPDATE SET"
    " numerator = t.numerator + excluded.numerator,"
    " denominator = t.denominator + excluded.denominator"
)
PENDING = "control.tallies"
LAST = "control.last"


def month(moment: datetime | date) -> date:
    """The first day of the (UTC) month of ``moment``."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).date()
    return moment.replace(day=1)


def announce(step: Step, events: Sequence[Any]) -> None:
    """The batch's events: tallies wait until the last is applied."""
    if events:
        step.batch.cache[LAST] = events[-1]


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
    key = (metric, detail, month(day(moment)), uuid(rep))
    pending = step.batch.cache.setdefault(PENDING, {})
    if key in pending:
        old_numerator, old_denominator = pending[key]
        pending[key] = (old_numerator + numerator, old_denominator + denominator)
    else:
        pending[key] = (numerator, denominator)


def written(step: Step, event: Any) -> None:
    """After ``event``: the pending tallies written, if it ends the batch."""
    cache = step.batch.cache
    if cache.get(LAST, event) is not event or not cache.get(PENDING):
        return
    rows = [(*key, *values) for key, values in cache.pop(PENDING).items()]
    step.execute(
        "INSERT INTO {tallies} AS t VALUES "
        + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
        + ADD,
        *[value for row in rows for value in row],
    )


def completed(step: Step, act: Act | None, event: Any) -> None:
    """A completed activity counts, and its minutes, in all kinds and in its
    own; a planned one is on time if completed before its due moment."""
    if act is None or act.owner_id is None:
        return
    at, minutes = event.completed_at, event.duration_minutes
    for detail in ("", act.kind):
        add(step, act.owner_id, at, "activities_completed", 1, 0, detail)
        add(step, act.owner_id, at, "avg_minutes_per_activity", minutes, 1, detail)
    if act.due_before is not None and act.due_before > at:
        on_time(step, act, 1, 0)


def on_time(step: Step, act: Act | None, numerator: int, denominator: int) -> None:
    """Adds to the on-time shares (follow-ups also to theirs) of a planned
    activity, on its due month."""
    if act is None or not act.planned or act.owner_id is None:
        return
    if act.due_month is None:
        return
    metrics = ["planned_on_time_share"]
    if act.follow_up:
        metrics.append("follow_ups_on_time_share")
    for metric in metrics:
        add(step, act.owner_id, act.due_month, metric, numerator, denominator)


def deal_closed(step: Step, deal: Deal | None, sign: int) -> None:
    """Adds (``sign`` 1) or takes back (-1) what the deal's closing counts,
    from its facts as they are."""
    if deal is None or deal.closed_by is None or deal.closed_month is None:
        return
    if deal.status not in ("won", "lost"):
        return
    won = deal.status == "won"
    rep, at = deal.closed_by, deal.closed_month
    add(step, rep, at, "win_rate", sign * (1 if won else 0), sign)
    if won:
        add(step, rep, at, "deals_won", sign, 0)
        add(
            step, rep, at, "won_amount", sign * (deal.won_amount or 0), 0, deal.currency
        )
        add(
            step,
            rep,
            at,
            "avg_sales_cycle_days",
            sign * (deal.cycle_seconds or 0),
            sign,
        )
