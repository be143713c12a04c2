"""Candidate: a person applying for a position of a hiring plan, moving
through the stages of the recruiting pipeline (``RECRUITING_STAGES``, which
admins may change like any pipeline).

What must hold:
- A candidate applies for one position and comes from one source; the
  qualifications they are assessed against are the position's, copied when
  they apply (a later change to the plan does not rescore them).
- An assessment scores one of those qualifications within 1-5; a later one
  of the same qualification replaces it.
- An offer is made only when every qualification is assessed at or above
  its minimum; one offer is open at a time; it is accepted or declined once.
- Assimilation (start date, mentor, onboarding checklist) follows an
  accepted offer only.
- A candidate rejected, or who declined, changes no more: ``active`` is
  false. Moving to the stage they are in records nothing.
- Name, email, assessment notes and the reasons of a decline or rejection
  are personal data (``domain.personal``). A forgotten candidate
  (``Forgotten``: that data erased, its key destroyed) changes no more.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.hiring import SCORES
from domain.personal import declare

APPLIED, OFFERED, HIRED, DECLINED, REJECTED = (
    "applied",
    "offered",
    "hired",
    "declined",
    "rejected",
)


class Candidate(SalesAggregate):
    forgotten = False

    class Forgotten(SalesAggregate.Event):
        """The candidate's personal data was erased (its key destroyed)."""

        forgets: ClassVar[tuple[str, ...]] = ()

        def apply(self, aggregate: Any) -> None:
            aggregate.forgotten = True

    def forget(self) -> None:
        """Once; the command destroys the key first."""
        if not self.forgotten:
            self.trigger_event(self.Forgotten)

    def _check_remembered(self) -> None:
        check(not self.forgotten, "candidate_forgotten", "the candidate is forgotten")

    @event("Applied")
    def __init__(
        self,
        id: UUID,
        plan_id: UUID,
        position_key: str,
        name: str,
        email: str | None,
        source: str,
        cost: Decimal,
        stage: str,
        qualifications: dict[str, int],
    ) -> None:
        """``cost``: what sourcing this candidate cost, a decimal in the
        plan's currency; ``qualifications``: key -> minimum score."""
        self.plan_id = plan_id
        self.position_key = position_key
        self.name = name
        self.email = email
        self.source = source
        self.cost = cost
        self.stage = stage
        self.qualifications = qualifications
        self.scores: dict[str, int] = {}
        self.status = APPLIED
        self.start_date: date | None = None
        self.mentor_id: UUID | None = None
        self.checklist: dict[str, bool] = {}

    @property
    def active(self) -> bool:
        return self.status not in (DECLINED, REJECTED)

    def _check_active(self) -> None:
        self._check_remembered()
        check(self.active, "candidate_closed", f"the candidate is {self.status}")

    def move_to(self, stage: str) -> None:
        """``stage`` is a key of the recruiting pipeline (the command checks)."""
        self._check_active()
        if stage != self.stage:
            self._stage_changed(old=self.stage, new=stage)

    @event("StageChanged")
    def _stage_changed(self, old: str, new: str) -> None:
        self.stage = new

    def assess(self, qualification: str, score: int, note: str | None) -> None:
        self._check_active()
        check(
            qualification in self.qualifications,
            "unknown_qualification",
            f"the position asks no qualification {qualification!r}",
        )
        check(score in SCORES, "score_range", f"a score is within 1-5, not {score}")
        self._assessed(qualification=qualification, score=score, note=note)

    @event("Assessed")
    def _assessed(self, qualification: str, score: int, note: str | None) -> None:
        self.scores = {**self.scores, qualification: score}

    @property
    def unmet(self) -> list[str]:
        """The qualifications not (yet) assessed at their minimum."""
        return [
            k
            for k, least in self.qualifications.items()
            if self.scores.get(k, 0) < least
        ]

    def make_offer(self, terms: str, start_date: date | None) -> None:
        self._check_active()
        check(self.status == APPLIED, "offer_exists", f"the candidate is {self.status}")
        unmet = self.unmet
        check(not unmet, "qualifications_not_met", f"not met: {', '.join(unmet)}")
        self._offer_made(terms=terms, start_date=start_date)

    @event("OfferMade")
    def _offer_made(self, terms: str, start_date: date | None) -> None:
        self.status = OFFERED
        self.start_date = start_date

    def accept_offer(self) -> None:
        self._check_remembered()
        check(self.status == OFFERED, "no_open_offer", "no offer is open")
        self._offer_accepted()

    @event("OfferAccepted")
    def _offer_accepted(self) -> None:
        self.status = HIRED

    def decline_offer(self, reason: str | None) -> None:
        self._check_remembered()
        check(self.status == OFFERED, "no_open_offer", "no offer is open")
        self._offer_declined(reason=reason)

    @event("OfferDeclined")
    def _offer_declined(self, reason: str | None) -> None:
        self.status = DECLINED

    def reject(self, reason: str | None) -> None:
        self._check_active()
        check(self.status != HIRED, "already_hired", "the candidate is hired")
        self._rejected(reason=reason)

    @event("Rejected")
    def _rejected(self, reason: str | None) -> None:
        self.status = REJECTED

    def _check_hired(self) -> None:
        self._check_remembered()
        check(self.status == HIRED, "not_hired", "assimilation follows a hire")

    def schedule_start(self, start_date: date) -> None:
        self._check_hired()
        if start_date != self.start_date:
            self._start_scheduled(start_date=start_date)

    @event("StartScheduled")
    def _start_scheduled(self, start_date: date) -> None:
        self.start_date = start_date

    def assign_mentor(self, mentor_id: UUID) -> None:
        """The command checks the mentor is an active rep."""
        self._check_hired()
        if mentor_id != self.mentor_id:
            self._mentor_assigned(mentor_id=mentor_id)

    @event("MentorAssigned")
    def _mentor_assigned(self, mentor_id: UUID) -> None:
        self.mentor_id = mentor_id

    def add_onboarding_item(self, item: str) -> None:
        self._check_hired()
        check(bool(item.strip()), "item_required", "name the checklist item")
        if item not in self.checklist:
            self._item_added(item=item)

    @event("OnboardingItemAdded")
    def _item_added(self, item: str) -> None:
        self.checklist = {**self.checklist, item: False}

    def complete_onboarding_item(self, item: str) -> None:
        self._check_hired()
        check(item in self.checklist, "unknown_item", f"no checklist item {item!r}")
        if not self.checklist[item]:
            self._item_completed(item=item)

    @event("OnboardingItemCompleted")
    def _item_completed(self, item: str) -> None:
        self.checklist = {**self.checklist, item: True}


declare(
    Candidate,
    Applied=("name", "email"),
    Assessed=("note",),
    OfferDeclined=("reason",),
    Rejected=("reason",),
    state=("name", "email"),
)
