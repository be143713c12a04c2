"""Recruiting as people list and measure it: candidates (``GET
/candidates``) and the funnel per source (``GET /recruiting/funnel``).

What must hold:
- A candidate row's ``stage``, ``status`` and ``version`` are those of the
  candidate's last event; ``candidate_stages`` holds every stage a candidate
  has ever been in (once each), so the funnel counts who *reached* a stage.
- Money (``cost``, ``amount``) is stored as decimal text and summed in
  Python: exact on every store.
- No personal data (names, emails) is copied here: forgetting a candidate
  needs no change to this view.
- ``apply`` reads only the event and the view's own rows (a candidate's plan
  currency from ``plans``): a rebuild gives the same rows.
Columns are documented in docs/read-models.md; ``recruiting_query`` reads them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from domain.candidate import DECLINED, HIRED, OFFERED, REJECTED, Candidate
from domain.hiring import HiringPlan
from projections.events import event_class
from projections.view import Step, View, handles

STATUS = {
    event_class(Candidate, "OfferMade"): OFFERED,
    event_class(Candidate, "OfferAccepted"): HIRED,
    event_class(Candidate, "OfferDeclined"): DECLINED,
    event_class(Candidate, "Rejected"): REJECTED,
}
TOUCH = tuple(
    event_class(Candidate, n)
    for n in (
        "Assessed",
        "StartScheduled",
        "MentorAssigned",
        "OnboardingItemAdded",
        "OnboardingItemCompleted",
    )
)


class Recruiting(View):
    name = "recruiting"
    tables: ClassVar[dict[str, str]] = {
        "plans": (
            "plan_id UUID PRIMARY KEY, name TEXT NOT NULL, currency TEXT NOT NULL,"
            " positions INTEGER NOT NULL, headcount INTEGER NOT NULL,"
            " status TEXT NOT NULL, version BIGINT NOT NULL"
        ),
        "candidates": (
            "candidate_id UUID PRIMARY KEY, plan_id UUID NOT NULL,"
            " position_key TEXT NOT NULL, source TEXT NOT NULL,"
            " cost TEXT NOT NULL, currency TEXT NOT NULL, stage TEXT NOT NULL,"
            " status TEXT NOT NULL, version BIGINT NOT NULL,"
            " applied_position BIGINT NOT NULL, applied_at TIMESTAMPTZ NOT NULL,"
            " updated_at TIMESTAMPTZ NOT NULL"
        ),
        "candidate_stages": (
            "candidate_id UUID NOT NULL, stage TEXT NOT NULL,"
            " reached_position BIGINT NOT NULL, PRIMARY KEY (candidate_id, stage)"
        ),
        "source_spend": (
            "position BIGINT PRIMARY KEY, plan_id UUID NOT NULL,"
            " source TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL"
        ),
    }
    indexes: ClassVar[dict[str, str]] = {
        "candidates_position": "{candidates} (applied_position)",
        "candidates_plan": "{candidates} (plan_id, applied_position)",
        "spend_plan": "{source_spend} (plan_id)",
    }

    @handles(event_class(HiringPlan, "DrawnUp"))
    def drawn_up(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {plans} VALUES (%s, %s, %s, %s, %s, 'open', %s)"
            " ON CONFLICT (plan_id) DO NOTHING",
            event.originator_id,
            event.name,
            event.currency,
            len(event.positions),
            sum(p["headcount"] for p in event.positions),
            event.originator_version,
        )

    @handles(event_class(HiringPlan, "PositionAdded"))
    def position_added(self, step: Step, event: Any) -> None:
        step.execute(
            "UPDATE {plans} SET positions = positions + 1,"
            " headcount = headcount + %s, version = %s WHERE plan_id = %s",
            event.position["headcount"],
            event.originator_version,
            event.originator_id,
        )

    @handles(event_class(HiringPlan, "SpendRecorded"))
    def spend_recorded(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {source_spend} SELECT %s, plan_id, %s, %s, currency"
            " FROM {plans} WHERE plan_id = %s ON CONFLICT (position) DO NOTHING",
            step.position,
            event.source,
            str(event.amount),
            event.originator_id,
        )
        _plan_version(step, event)

    @handles(event_class(HiringPlan, "Closed"))
    def plan_closed(self, step: Step, event: Any) -> None:
        step.execute(
            "UPDATE {plans} SET status = 'closed', version = %s WHERE plan_id = %s",
            event.originator_version,
            event.originator_id,
        )

    @handles(event_class(Candidate, "Applied"))
    def applied(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {candidates} SELECT %s, plan_id, %s, %s, %s, currency,"
            " %s, 'applied', %s, %s, %s, %s FROM {plans} WHERE plan_id = %s"
            " ON CONFLICT (candidate_id) DO NOTHING",
            event.originator_id,
            event.position_key,
            event.source,
            str(event.cost),
            event.stage,
            event.originator_version,
            step.position,
            event.timestamp,
            event.timestamp,
            event.plan_id,
        )
        _reached(step, event.originator_id, event.stage)

    @handles(event_class(Candidate, "StageChanged"))
    def stage_changed(self, step: Step, event: Any) -> None:
        _touch(step, event, ["stage = %s"], [event.new])
        _reached(step, event.originator_id, event.new)

    @handles(*STATUS)
    def status_changed(self, step: Step, event: Any) -> None:
        _touch(step, event, ["status = %s"], [STATUS[type(event)]])

    @handles(*TOUCH)
    def touched(self, step: Step, event: Any) -> None:
        _touch(step, event, [], [])


def _plan_version(step: Step, event: Any) -> None:
    step.execute(
        "UPDATE {plans} SET version = %s WHERE plan_id = %s",
        event.originator_version,
        event.originator_id,
    )


def _reached(step: Step, candidate_id: Any, stage: str) -> None:
    step.execute(
        "INSERT INTO {candidate_stages} VALUES (%s, %s, %s)"
        " ON CONFLICT (candidate_id, stage) DO NOTHING",
        candidate_id,
        stage,
        step.position,
    )


def _touch(step: Step, event: Any, sets: list[str], values: list[Any]) -> None:
    sets = [*sets, "version = %s", "updated_at = %s"]
    step.execute(
        f"UPDATE {{candidates}} SET {', '.join(sets)} WHERE candidate_id = %s",
        *values,
        event.originator_version,
        event.timestamp,
        event.originator_id,
    )
