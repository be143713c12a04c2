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

from datetime import UTC, datetime, time, timedelta
from typing import Any, ClassVar

from domain.activity import Activity
from domain.opportunity import Opportunity
from domain.rep import Rep, Team
from domain.standard import Standard
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
    tables: ClassVar[dict[str, str]] = TABLES
    indexes: ClassVar[dict[str, str]] = INDEXES

    @handles(event_class(Activity, "Planned"), Activity.Logged)
    def activity_created(self, step: Step, event: Any) -> None:
        logged = isinstance(event, Activity.Logged)
        day, before = due(None if logged else utc(event.scheduled_at))
        follow_up = getattr(event, "follows_id", None) is not None
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
            None if day is None else tally.month(day),
        )
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
        tally.completed_from_row(step, event)

    @handles(event_class(Activity, "Cancelled"))
    def activity_cancelled(self, step: Step, event: Any) -> None:
        tally.on_time(step, event, 0, -1, "status = 'planned'")
        step.execute(
            "UPDATE {activities} SET status = 'cancelled' WHERE activity_id = %s",
            event.originator_id,
        )

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
        step.execute(
            "INSERT INTO {deals} (opportunity_id, owner_id, opened_by, opened_at,"
            " opened_epoch, opened_amount, currency, probability, status)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'open')"
            " ON CONFLICT (opportunity_id) DO NOTHING",
            event.originator_id,
            event.owner_id,
            event.owner_id,
            utc(event.timestamp),
            int(event.timestamp.timestamp()),
            event.amount,
            event.currency,
            event.probability,
        )
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

    @handles(event_class(Opportunity, "StageChanged"))
    def deal_moved(self, step: Step, event: Any) -> None:
        """An advance if the new probability is higher (decided in SQL)."""
        tally.add_selected(
            step,
            [
                (
                    "SELECT 'stage_advances', '', %s, owner_id, 1, 0 FROM {deals}"
                    " WHERE opportunity_id = %s AND probability < %s"
                    " AND owner_id IS NOT NULL",
                    [
                        tally.month(event.timestamp),
                        event.originator_id,
                        event.probability,
                    ],
                )
            ],
        )
        step.execute(
            "INSERT INTO {advances} SELECT %s, opportunity_id, owner_id, %s"
            " FROM {deals} WHERE opportunity_id = %s AND probability < %s"
            " ON CONFLICT (position) DO NOTHING",
            step.position,
            utc(event.timestamp),
            event.originator_id,
            event.probability,
        )
        self._probability(step, event.originator_id, event.probability)

    def _probability(self, step: Step, deal: Any, probability: int) -> None:
        step.execute(
            "UPDATE {deals} SET probability = %s WHERE opportunity_id = %s",
            probability,
            deal,
        )

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
        tally.deal_closed(step, event.originator_id, 1)

    @handles(event_class(Opportunity, "Reopened"))
    def deal_reopened(self, step: Step, event: Any) -> None:
        tally.deal_closed(step, event.originator_id, -1)
        step.execute(
            "UPDATE {deals} SET status = 'open', closed_by = NULL, closed_at = NULL,"
            " closed_month = NULL,"
            " won_amount = NULL, cycle_seconds = NULL WHERE opportunity_id = %s",
            event.originator_id,
        )
        self._probability(step, event.originator_id, event.probability)

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
