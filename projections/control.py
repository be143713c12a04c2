"""Control: the facts performance is measured from, and the standards.

What must hold:
- Facts only, no clock: every activity (planned or logged, its original due
  day, completion and minutes), every opportunity (who opened it with what
  amount, who won or lost it when), every move to a stage of higher win
  probability, each rep's current team and territory, and each standard with
  its history of targets. ``control_query`` measures periods from them.
- A planned activity is *due* on the UTC day it was first scheduled for
  (``due_day``), and on time if completed before the next (``due_before``):
  rescheduling does not move the due day.
- Won deals keep ``cycle_seconds``, from opening to winning.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any, ClassVar

from domain.activity import Activity
from domain.opportunity import Opportunity
from domain.rep import Rep, Team
from domain.standard import Standard
from projections import control_facts as facts
from projections import control_tallies as tally
from projections.agenda import utc
from projections.control_schema import INDEXES, TABLES
from projections.events import event_class
from projections.view import Step, View, handles


def due(scheduled_at: datetime | None) -> tuple[datetime | None, datetime | None]:
    """The first moment of the UTC day of ``scheduled_at``, and of the next."""
    if scheduled_at is None:
        return None, None
    day = datetime.combine(scheduled_at.astimezone(UTC).date(), time(), UTC)
    return day, day + timedelta(days=1)


class Control(View):
    name = "control"
    reads_personal_data = False  # boxes stay shut (projections.view)
    tables: ClassVar[dict[str, str]] = TABLES
    indexes: ClassVar[dict[str, str]] = INDEXES

    def prefetch(self, step: Step, events: Sequence[Any]) -> None:
        facts.prefetch(step, events)
        tally.announce(step, events)

    def apply(self, step: Step, event: Any) -> bool:
        applied = super().apply(step, event)
        tally.written(step, event)
        return applied

    @handles(event_class(Activity, "Planned"), Activity.Logged)
    def activity_created(self, step: Step, event: Any) -> None:
        logged = isinstance(event, Activity.Logged)
        day, before = due(None if logged else utc(event.scheduled_at))
        follow_up = getattr(event, "follows_id", None) is not None
        month = None if day is None else tally.month(day)
        step.execute(
            "INSERT INTO {activities} (activity_id, owner_id, kind, purpose,"
            " planned, follow_up, status, due_day, due_before, due_month)"
            " VALUES (%s, %s, %s, %s, %s, %s, 'planned', %s, %s, %s)"
            " ON CONFLICT (activity_id) DO NOTHING",
            event.originator_id,
            event.owner_id,
            event.kind,
            event.purpose,
            not logged,
            follow_up,
            day,
            before,
            month,
        )
        fact = facts.Act(
            event.owner_id, event.kind, not logged, follow_up, "planned", before, month
        )
        facts.created(step, event.originator_id, fact)
        if logged:
            self.activity_completed(step, event)
        elif day is not None:
            tally.add(step, event.owner_id, day, "planned_on_time_share", 0, 1)
            if follow_up:
                tally.add(step, event.owner_id, day, "follow_ups_on_time_share", 0, 1)

    @handles(Activity.Completed)
    def activity_completed(self, step: Step, event: Any) -> None:
        step.execute(
            "UPDATE {activities} SET status = 'completed', completed_at = %s,"
            " duration_minutes = %s WHERE activity_id = %s",
            utc(event.completed_at),
            event.duration_minutes,
            event.originator_id,
        )
        act = facts.activity_changed(step, event.originator_id, status="completed")
        tally.completed(step, act, event)

    @handles(event_class(Activity, "Cancelled"))
    def activity_cancelled(self, step: Step, event: Any) -> None:
        act = facts.activity(step, event.originator_id)
        if act is not None and act.status == "planned":
            tally.on_time(step, act, 0, -1)
        step.execute(
            "UPDATE {activities} SET status = 'cancelled' WHERE activity_id = %s",
            event.originator_id,
        )
        facts.activity_changed(step, event.originator_id, status="cancelled")

    @handles(event_class(Activity, "DetailsChanged"))
    def activity_details(self, step: Step, event: Any) -> None:
        if "purpose" in (event.new or {}):
            step.execute(
                "UPDATE {activities} SET purpose = %s WHERE activity_id = %s",
                event.new["purpose"],
                event.originator_id,
            )

    @handles(event_class(Opportunity, "Opened"))
    def deal_opened(self, step: Step, event: Any) -> None:
        epoch = int(event.timestamp.timestamp())
        step.execute(
            "INSERT INTO {deals} (opportunity_id, owner_id, opened_by, opened_at,"
            " opened_epoch, opened_amount, currency, probability, status)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'open')"
            " ON CONFLICT (opportunity_id) DO NOTHING",
            event.originator_id,
            event.owner_id,
            event.owner_id,
            utc(event.timestamp),
            epoch,
            event.amount,
            event.currency,
            event.probability,
        )
        fact = facts.opened(event.owner_id, event.probability, event.currency, epoch)
        facts.created(step, event.originator_id, fact)
        at, owner = event.timestamp, event.owner_id
        tally.add(step, owner, at, "new_opportunities", 1)
        tally.add(step, owner, at, "pipeline_created", event.amount, 0, event.currency)

    @handles(event_class(Opportunity, "OwnerChanged"))
    def deal_owner(self, step: Step, event: Any) -> None:
        step.execute(
            "UPDATE {deals} SET owner_id = %s WHERE opportunity_id = %s",
            event.new,
            event.originator_id,
        )
        facts.deal_changed(step, event.originator_id, owner_id=facts.uuid(event.new))

    @handles(event_class(Opportunity, "StageChanged"))
    def deal_moved(self, step: Step, event: Any) -> None:
        """An advance if the new probability is higher."""
        deal = facts.deal(step, event.originator_id)
        if deal is not None and deal.probability < event.probability:
            owner = deal.owner_id
            tally.add(step, owner, event.timestamp, "stage_advances", 1, 0)
            step.execute(
                "INSERT INTO {advances} VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (position) DO NOTHING",
                step.position,
                event.originator_id,
                owner,
                utc(event.timestamp),
            )
        self._probability(step, event, event.probability)

    def _probability(self, step: Step, event: Any, probability: int) -> None:
        step.execute(
            "UPDATE {deals} SET probability = %s WHERE opportunity_id = %s",
            probability,
            event.originator_id,
        )
        facts.deal_changed(step, event.originator_id, probability=probability)

    @handles(event_class(Opportunity, "Won"), event_class(Opportunity, "Lost"))
    def deal_closed(self, step: Step, event: Any) -> None:
        won = type(event).__name__ == "Won"
        at = utc(event.timestamp)
        step.execute(
            "UPDATE {deals} SET status = %s, closed_by = owner_id, closed_at = %s,"
            " closed_month = %s, won_amount = %s, cycle_seconds = %s - opened_epoch,"
            " probability = %s WHERE opportunity_id = %s",
            "won" if won else "lost",
            at,
            tally.month(at),
            event.amount if won else None,
            int(at.timestamp()) if won else None,
            100 if won else 0,
            event.originator_id,
        )
        deal = facts.deal(step, event.originator_id)
        if deal is not None:
            deal = facts.deal_changed(
                step,
                event.originator_id,
                status="won" if won else "lost",
                closed_by=deal.owner_id,
                closed_month=tally.month(at),
                won_amount=event.amount if won else None,
                cycle_seconds=int(at.timestamp()) - deal.opened_epoch if won else None,
                probability=100 if won else 0,
            )
        tally.deal_closed(step, deal, 1)

    @handles(event_class(Opportunity, "Reopened"))
    def deal_reopened(self, step: Step, event: Any) -> None:
        tally.deal_closed(step, facts.deal(step, event.originator_id), -1)
        step.execute(
            "UPDATE {deals} SET status = 'open', closed_by = NULL, closed_at = NULL,"
            " closed_month = NULL,"
            " won_amount = NULL, cycle_seconds = NULL WHERE opportunity_id = %s",
            event.originator_id,
        )
        facts.deal_changed(
            step,
            event.originator_id,
            status="open",
            closed_by=None,
            closed_month=None,
            won_amount=None,
            cycle_seconds=None,
        )
        self._probability(step, event, event.probability)

    @handles(event_class(Rep, "Registered"))
    def rep_registered(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {reps} VALUES (%s, %s, NULL, %s, TRUE)"
            " ON CONFLICT (rep_id) DO NOTHING",
            event.originator_id,
            event.name,
            event.territory,
        )

    @handles(
        *(
            event_class(Rep, name)
            for name in ("Renamed", "TeamChanged", "TerritoryChanged")
        ),
        event_class(Rep, "Deactivated"),
        event_class(Rep, "Reactivated"),
    )
    def rep_changed(self, step: Step, event: Any) -> None:
        column, value = {
            "Renamed": ("name", getattr(event, "new", None)),
            "TeamChanged": ("team_id", getattr(event, "new", None)),
            "TerritoryChanged": ("territory", getattr(event, "new", None)),
            "Deactivated": ("active", False),
            "Reactivated": ("active", True),
        }[type(event).__name__]
        step.execute(
            f"UPDATE {{reps}} SET {column} = %s WHERE rep_id = %s",
            value,
            event.originator_id,
        )

    @handles(event_class(Team, "Formed"), event_class(Team, "Renamed"))
    def team_named(self, step: Step, event: Any) -> None:
        name = event.new if type(event).__name__ == "Renamed" else event.name
        step.execute(
            "INSERT INTO {teams} VALUES (%s, %s)"
            " ON CONFLICT (team_id) DO UPDATE SET name = excluded.name",
            event.originator_id,
            name,
        )

    @handles(event_class(Standard, "Set"))
    def standard_set(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {standards} VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (standard_id) DO NOTHING",
            event.originator_id,
            event.metric,
            event.activity_kind,
            event.currency,
            event.scope,
            event.subject,
            event.period_kind,
        )
        self.standard_revised(step, event)

    @handles(event_class(Standard, "Revised"))
    def standard_revised(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {targets} VALUES (%s, %s, %s)"
            " ON CONFLICT (standard_id, effective_from)"
            " DO UPDATE SET target = excluded.target",
            event.originator_id,
            event.effective_from,
            event.target,
        )
