"""Training programmes with the reps who completed them, and coaching
sessions between a manager and a rep.

What must hold:
- A programme has a name; an ``active`` one takes completions, a retired
  one keeps those it has and takes no more.
- A rep completes a programme once (``already_completed``); a score, if
  given, is 0-100.
- A coaching session names its manager, its rep (not the same person) and
  a topic, and the day it was held. It may name the corrective action it
  serves: an opaque id here (the control process owns corrective actions).
- A change that changes nothing records nothing.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.personal import declare

ACTIVE, RETIRED = "active", "retired"


class TrainingProgramme(SalesAggregate):
    @classmethod
    def launch(
        cls, id: UUID, name: str, description: str, hours: int | None
    ) -> TrainingProgramme:
        check(bool(name.strip()), "programme_name_required", "a programme needs a name")
        check(hours is None or hours > 0, "hours_positive", "hours are more than 0")
        return cls(id=id, name=name, description=description, hours=hours)

    @event("Launched")
    def __init__(
        self, id: UUID, name: str, description: str, hours: int | None
    ) -> None:
        self.name = name
        self.description = description
        self.hours = hours
        self.status = ACTIVE
        self.completions: dict[UUID, date] = {}

    def record_completion(
        self, rep_id: UUID, completed_on: date, score: int | None
    ) -> None:
        """The command checks the rep exists."""
        check(self.status == ACTIVE, "programme_retired", "the programme is retired")
        check(
            rep_id not in self.completions,
            "already_completed",
            f"rep {rep_id} completed this programme on {self.completions.get(rep_id)}",
        )
        check(
            score is None or 0 <= score <= 100,
            "score_range",
            f"a score is within 0-100, not {score}",
        )
        self._completed(rep_id=rep_id, completed_on=completed_on, score=score)

    @event("CompletionRecorded")
    def _completed(self, rep_id: UUID, completed_on: date, score: int | None) -> None:
        self.completions = {**self.completions, rep_id: completed_on}

    def retire(self) -> None:
        if self.status == ACTIVE:
            self._retired()

    @event("Retired")
    def _retired(self) -> None:
        self.status = RETIRED


class CoachingSession(SalesAggregate):
    @classmethod
    def log(
        cls,
        id: UUID,
        manager_id: UUID,
        rep_id: UUID,
        topic: str,
        held_on: date,
        notes: str | None,
        corrective_action_id: UUID | None,
    ) -> CoachingSession:
        check(manager_id != rep_id, "coach_self", "a manager does not coach themself")
        check(bool(topic.strip()), "topic_required", "a session needs a topic")
        return cls(
            id=id,
            manager_id=manager_id,
            rep_id=rep_id,
            topic=topic,
            held_on=held_on,
            notes=notes,
            corrective_action_id=corrective_action_id,
        )

    @event("Logged")
    def __init__(
        self,
        id: UUID,
        manager_id: UUID,
        rep_id: UUID,
        topic: str,
        held_on: date,
        notes: str | None,
        corrective_action_id: UUID | None,
    ) -> None:
        self.manager_id = manager_id
        self.rep_id = rep_id
        self.topic = topic
        self.held_on = held_on
        self.notes = notes
        self.corrective_action_id = corrective_action_id

    def link_corrective_action(self, action_id: UUID | None) -> None:
        """``None`` unlinks."""
        if action_id != self.corrective_action_id:
            self._linked(old=self.corrective_action_id, new=action_id)

    @event("CorrectiveActionLinked")
    def _linked(self, old: UUID | None, new: UUID | None) -> None:
        self.corrective_action_id = new


declare(CoachingSession, Logged=("notes",), state=("notes",))
