"""The development view on the SQLite store: a rep's training and coaching,
newest first, and a rebuild that equals the live view."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import training as cmd
from domain.base import RuleBroken
from infra.view_store import SQLiteViewStore
from projections.development import Development
from projections.development_query import development, programmes
from projections.runner import Runner
from tests.unit.helpers import ADMIN, memory_app, opened_action, registered_rep, run
from tests.unit.test_training import DAY, complete, programme
from tests.view_rows import view_rows


class World:
    def __init__(self, path: Path) -> None:
        self.app = memory_app()
        self.store = SQLiteViewStore(path / "views.db")
        self.runner = Runner(Development(), self.store, self.app)
        self.reps = [registered_rep(self.app) for _ in range(3)]
        self.actions = [opened_action(self.app, r, self.reps[2]) for r in self.reps]

    def coach(self, rep_id: UUID, day: date, action: UUID | None = None) -> UUID:
        command = cmd.LogCoaching(
            rep_id=rep_id,
            manager_id=self.reps[2],
            topic=f"topic {day}",
            held_on=day,
            notes="private",
            corrective_action_id=action,
        )
        return UUID(str(run(self.app, cmd.log_coaching, command, ADMIN).aggregate.id))

    def development(self, rep_id: UUID) -> dict[str, Any]:
        self.runner.catch_up()
        with self.store.transaction() as c:
            return development(c, self.store.names(Development), rep_id)


class TestDevelopment:
    def test_a_reps_training_and_coaching_newest_first(self, tmp_path: Path) -> None:
        world = World(tmp_path)
        ann, bob, _ = world.reps
        old, new = programme(world.app, "Basics"), programme(world.app, "Advanced")
        run(
            world.app,
            cmd.record_completion,
            cmd.RecordCompletion(
                programme_id=old, rep_id=ann, completed_on=DAY - timedelta(days=30)
            ),
        )
        complete(world.app, new, ann, score=None)
        complete(world.app, new, bob)
        action = world.actions[0]
        first = world.coach(ann, DAY - timedelta(days=7))
        second = world.coach(ann, DAY, action)
        found = world.development(ann)
        assert [(t["name"], t["score"]) for t in found["training"]] == [
            ("Advanced", None),
            ("Basics", None),
        ]
        assert [str(c["session_id"]) for c in found["coaching"]] == [
            str(second),
            str(first),
        ]
        assert str(found["coaching"][0]["corrective_action_id"]) == str(action)
        assert "notes" not in found["coaching"][0]
        with world.store.transaction() as c:
            listed = programmes(c, world.store.names(Development))
        assert [(r["name"], r["completions"]) for r in listed.rows] == [
            ("Basics", 1),
            ("Advanced", 2),
        ]


def everything(world: World) -> dict[str, list[Any]]:
    return view_rows(world.store, Development, "1, 2")


STEPS = st.lists(
    st.tuples(
        st.sampled_from(["launch", "complete", "retire", "coach", "link"]),
        st.integers(0, 2),
    ),
    max_size=15,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS, batch=st.integers(1, 7))
def test_rebuilt_view_equals_the_live_one(
    tmp_path_factory: Any, steps: list[tuple[str, int]], batch: int
) -> None:
    """Given random training and coaching commands with the view catching up
    in random batch sizes, a rebuild from zero gives the same rows."""
    world = World(tmp_path_factory.mktemp("development"))
    world.runner = Runner(Development(), world.store, world.app, batch_size=batch)
    made: list[UUID] = [programme(world.app)]
    sessions: list[UUID] = []
    for i, (step, who) in enumerate(steps):
        try:
            if step == "launch":
                made.append(programme(world.app, f"p{i}"))
            elif step == "complete":
                complete(world.app, made[-1], world.reps[who])
            elif step == "retire":
                run(
                    world.app,
                    cmd.retire_programme,
                    cmd.RetireProgramme(programme_id=made[-1]),
                )
            elif step == "coach" or not sessions:
                sessions.append(
                    world.coach(world.reps[who % 2], DAY + timedelta(days=i))
                )
            else:
                link = cmd.LinkCorrectiveAction(
                    session_id=sessions[-1],
                    corrective_action_id=world.actions[i % 3],
                )
                run(world.app, cmd.link_corrective_action, link, ADMIN)
        except RuleBroken:
            pass  # refused: records nothing
        if i % 3 == 0:
            world.runner.catch_up()
    world.runner.catch_up()
    before = everything(world)
    Runner(Development(), world.store, world.app, shadow=True, batch_size=2).catch_up()
    world.store.swap(Development)
    assert everything(world) == before
