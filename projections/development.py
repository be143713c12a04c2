"""Reps' development: the training programmes they completed and the
coaching they had (``GET /reps/{id}/development``, ``GET
/training-programmes``).

What must hold:
- A completion row exists for each ``CompletionRecorded``, under its
  programme's name as it was launched; a programme row counts them.
- A coaching row's ``corrective_action_id`` and ``version`` are those of the
  session's last event. Session notes (personal data) are not copied here.
- ``apply`` reads only the event and the view's own rows: a rebuild gives
  the same rows.
Columns are documented in docs/read-models.md; ``development_query`` reads
them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from domain.training import RETIRED, CoachingSession, TrainingProgramme
from projections.events import event_class
from projections.view import Step, View, handles


class Development(View):
    name = "development"
    tables: ClassVar[dict[str, str]] = {
        "programmes": (
            "programme_id UUID PRIMARY KEY, name TEXT NOT NULL,"
            " hours INTEGER, status TEXT NOT NULL, completions INTEGER NOT NULL,"
            " version BIGINT NOT NULL, launched_position BIGINT NOT NULL,"
            " launched_at TIMESTAMPTZ NOT NULL"
        ),
        "completions": (
            "programme_id UUID NOT NULL, rep_id UUID NOT NULL,"
            " completed_on DATE NOT NULL, score INTEGER,"
            " recorded_position BIGINT NOT NULL, PRIMARY KEY (programme_id, rep_id)"
        ),
        "coaching": (
            "session_id UUID PRIMARY KEY, rep_id UUID NOT NULL,"
            " manager_id UUID NOT NULL, topic TEXT NOT NULL, held_on DATE NOT NULL,"
            " corrective_action_id UUID, version BIGINT NOT NULL,"
            " logged_position BIGINT NOT NULL"
        ),
    }
    indexes: ClassVar[dict[str, str]] = {
        "completions_rep": "{completions} (rep_id, completed_on)",
        "coaching_rep": "{coaching} (rep_id, held_on)",
        "programmes_position": "{programmes} (launched_position)",
    }

    @handles(event_class(TrainingProgramme, "Launched"))
    def launched(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {programmes} VALUES (%s, %s, %s, 'active', 0, %s, %s, %s)"
            " ON CONFLICT (programme_id) DO NOTHING",
            event.originator_id,
            event.name,
            event.hours,
            event.originator_version,
            step.position,
            event.timestamp,
        )

    @handles(event_class(TrainingProgramme, "CompletionRecorded"))
    def completed(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {completions} VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (programme_id, rep_id) DO NOTHING",
            event.originator_id,
            event.rep_id,
            event.completed_on,
            event.score,
            step.position,
        )
        step.execute(
            "UPDATE {programmes} SET completions = completions + 1, version = %s"
            " WHERE programme_id = %s",
            event.originator_version,
            event.originator_id,
        )

    @handles(event_class(TrainingProgramme, "Retired"))
    def retired(self, step: Step, event: Any) -> None:
        step.execute(
            "UPDATE {programmes} SET status = %s, version = %s WHERE programme_id = %s",
            RETIRED,
            event.originator_version,
            event.originator_id,
        )

    @handles(event_class(CoachingSession, "Logged"))
    def logged(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {coaching} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (session_id) DO NOTHING",
            event.originator_id,
            event.rep_id,
            event.manager_id,
            event.topic,
            event.held_on,
            event.corrective_action_id,
            event.originator_version,
            step.position,
        )

    @handles(event_class(CoachingSession, "CorrectiveActionLinked"))
    def linked(self, step: Step, event: Any) -> None:
        step.execute(
            "UPDATE {coaching} SET corrective_action_id = %s, version = %s"
            " WHERE session_id = %s",
            event.new,
            event.originator_version,
            event.originator_id,
        )
