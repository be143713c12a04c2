"""Training programmes, completions and coaching sessions: their rules,
who may record them, and a model of random completions."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import training as cmd
from commands.base import Caller, Forbidden
from domain.base import RuleBroken
from domain.training import CoachingSession
from tests.unit.helpers import (
    ADMIN,
    event_names,
    memory_app,
    opened_action,
    registered_rep,
    rep,
    run,
)

DAY = date(2027, 3, 4)


def manager_of(*rep_ids: UUID) -> Caller:
    return Caller("meg", frozenset({"manager"}), uuid4(), frozenset(rep_ids))


def programme(app: Any, name: str = "Consultative selling") -> UUID:
    command = cmd.LaunchProgramme(name=name, hours=16)
    return UUID(str(run(app, cmd.launch_programme, command).aggregate.id))


def complete(app: Any, pid: UUID, rep_id: UUID, score: int | None = 80) -> Any:
    command = cmd.RecordCompletion(
        programme_id=pid, rep_id=rep_id, completed_on=DAY, score=score
    )
    return run(app, cmd.record_completion, command).aggregate


class TestTrainingProgramme:
    def test_a_rep_completes_a_programme_once(self) -> None:
        app = memory_app()
        ann, pid = registered_rep(app), programme(app)
        assert complete(app, pid, ann).completions == {ann: DAY}
        with pytest.raises(RuleBroken) as refused:
            complete(app, pid, ann)
        assert refused.value.rule == "already_completed"
        assert event_names(app, pid) == ["Launched", "CompletionRecorded"]

    def test_a_retired_programme_takes_no_completions(self) -> None:
        app = memory_app()
        ann, pid = registered_rep(app), programme(app)
        run(app, cmd.retire_programme, cmd.RetireProgramme(programme_id=pid))
        with pytest.raises(RuleBroken) as refused:
            complete(app, pid, ann)
        assert refused.value.rule == "programme_retired"

    def test_the_rep_must_exist(self) -> None:
        app = memory_app()
        with pytest.raises(RuleBroken) as refused:
            complete(app, programme(app), uuid4())
        assert refused.value.rule == "rep_must_be_active_rep"

    def test_reps_do_not_launch_or_record(self) -> None:
        app = memory_app()
        with pytest.raises(Forbidden):
            run(app, cmd.launch_programme, cmd.LaunchProgramme(name="x"), rep())
        pid, ann = programme(app), registered_rep(app)
        command = cmd.RecordCompletion(programme_id=pid, rep_id=ann, completed_on=DAY)
        with pytest.raises(Forbidden):
            run(app, cmd.record_completion, command, rep(ann))
        learning = Caller("lms", frozenset({"service"}))
        assert run(app, cmd.record_completion, command, learning).aggregate.completions


class TestLogCoaching:
    def test_a_manager_coaches_a_rep_of_their_team(self) -> None:
        app = memory_app()
        ann = registered_rep(app)
        meg = manager_of(ann)
        action = opened_action(app, ann, registered_rep(app, meg.rep_id))
        command = cmd.LogCoaching(
            rep_id=ann, topic="Discovery", held_on=DAY, corrective_action_id=action
        )
        session = run(app, cmd.log_coaching, command, meg).aggregate
        assert isinstance(session, CoachingSession)
        assert (session.manager_id, session.corrective_action_id) == (
            meg.rep_id,
            action,
        )
        link = cmd.LinkCorrectiveAction(
            session_id=session.id, corrective_action_id=None
        )
        assert (
            run(
                app, cmd.link_corrective_action, link, meg
            ).aggregate.corrective_action_id
            is None
        )

    def test_the_corrective_action_must_exist(self) -> None:
        app = memory_app()
        ann, meg = registered_rep(app), registered_rep(app)
        programme_id = programme(app)  # a record, but not a corrective action
        for unknown in (uuid4(), programme_id):
            command = cmd.LogCoaching(
                rep_id=ann,
                manager_id=meg,
                topic="t",
                held_on=DAY,
                corrective_action_id=unknown,
            )
            with pytest.raises(RuleBroken) as refused:
                run(app, cmd.log_coaching, command, ADMIN)
            assert refused.value.rule == "unknown_corrective_action"
        logged = command.model_copy(update={"corrective_action_id": None})
        session = run(app, cmd.log_coaching, logged, ADMIN).aggregate
        link = cmd.LinkCorrectiveAction(
            session_id=session.id, corrective_action_id=uuid4()
        )
        with pytest.raises(RuleBroken) as refused:
            run(app, cmd.link_corrective_action, link, ADMIN)
        assert refused.value.rule == "unknown_corrective_action"
        assert event_names(app, session.id) == ["Logged"]
        action = opened_action(app, ann, meg)
        linked = link.model_copy(update={"corrective_action_id": action})
        found = run(app, cmd.link_corrective_action, linked, ADMIN).aggregate
        assert found.corrective_action_id == action

    def test_not_a_rep_outside_their_team(self) -> None:
        app = memory_app()
        ann = registered_rep(app)
        command = cmd.LogCoaching(rep_id=ann, topic="t", held_on=DAY)
        with pytest.raises(Forbidden):
            run(app, cmd.log_coaching, command, manager_of())
        with pytest.raises(Forbidden):
            run(app, cmd.log_coaching, command, rep(ann))

    def test_an_admin_names_the_manager(self) -> None:
        app = memory_app()
        ann, meg = registered_rep(app), registered_rep(app)
        command = cmd.LogCoaching(rep_id=ann, topic="t", held_on=DAY)
        with pytest.raises(RuleBroken) as refused:
            run(app, cmd.log_coaching, command, ADMIN)
        assert refused.value.rule == "manager_required"
        named = command.model_copy(update={"manager_id": meg})
        assert run(app, cmd.log_coaching, named, ADMIN).aggregate.manager_id == meg
        alone = command.model_copy(update={"manager_id": ann})
        with pytest.raises(RuleBroken) as refused:
            run(app, cmd.log_coaching, alone, ADMIN)
        assert refused.value.rule == "coach_self"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["done", "retire"]))))
def test_random_completions_agree_with_a_model(steps: list[tuple[int, str]]) -> None:
    """Given completions and retirements in any order, a completion lands
    exactly when the programme is active and the rep has not completed it,
    and the programme's completions are those that landed."""
    app = memory_app()
    reps = [registered_rep(app) for _ in range(3)]
    pid = programme(app)
    done: dict[UUID, date] = {}
    active = True
    for who, step in steps:
        if step == "retire":
            run(app, cmd.retire_programme, cmd.RetireProgramme(programme_id=pid))
            active = False
            continue
        try:
            complete(app, pid, reps[who])
        except RuleBroken:
            assert not active or reps[who] in done
        else:
            assert active and reps[who] not in done
            done[reps[who]] = DAY
    assert app.repository.get(pid).completions == done
