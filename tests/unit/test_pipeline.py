"""Pipeline: commands on in-memory persistence, the default pipeline, and
random stage edits checked against a simple model."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pydantic import ValidationError

from commands import pipelines as cmd
from commands.base import Forbidden, IdReused, StaleVersion
from domain.base import RuleBroken, public_type
from domain.pipeline import DEFAULT_PIPELINE_ID, DEFAULT_STAGES, Pipeline
from tests.unit.helpers import event_names, events_of, memory_app, rep, run


def stage(key: str, probability: int = 10, category: str = "pipeline") -> Any:
    return cmd.StageDefinition(
        key=key,
        name=key.title(),
        probability=probability,
        forecast_category=category,  # type: ignore[arg-type]
    )


def create(app: Any, *keys: str, **fields: Any) -> UUID:
    stages = tuple(stage(k) for k in keys or ("lead", "deal"))
    command = cmd.CreatePipeline(name="New business", stages=stages, **fields)
    return UUID(str(run(app, cmd.create_pipeline, command).aggregate.id))


def pipeline(app: Any, pipeline_id: UUID) -> Pipeline:
    found: Pipeline = app.repository.get(pipeline_id)
    return found


class TestCreatePipeline:
    def test_records_the_stages_in_order(self) -> None:
        app = memory_app()
        pipeline_id = create(app, "lead", "deal", "signed")
        (event,) = events_of(app, pipeline_id)
        assert public_type(type(event)) == "sfa.pipeline.created.v1"
        assert [s["key"] for s in event.stages] == ["lead", "deal", "signed"]
        assert pipeline(app, pipeline_id).keys == ("lead", "deal", "signed")

    def test_only_admins_create(self) -> None:
        app = memory_app()
        command = cmd.CreatePipeline(name="Mine", stages=(stage("a"),))
        with pytest.raises(Forbidden):
            run(app, cmd.create_pipeline, command, rep())
        assert app.recorder.max_notification_id() in (None, 0)

    def test_stage_keys_are_unique(self) -> None:
        with pytest.raises(RuleBroken) as refused:
            create(memory_app(), "lead", "lead")
        assert refused.value.rule == "stage_key_unique"

    def test_needs_a_stage_and_snake_case_keys(self) -> None:
        with pytest.raises(ValidationError):
            cmd.CreatePipeline(name="Empty", stages=())
        with pytest.raises(ValidationError):
            stage("Not Snake")
        with pytest.raises(ValidationError):
            stage("ok", probability=101)

    def test_same_id_same_body_records_nothing(self) -> None:
        app, pipeline_id = memory_app(), uuid4()
        create(app, id=pipeline_id)
        outcome = run(
            app,
            cmd.create_pipeline,
            cmd.CreatePipeline(
                id=pipeline_id,
                name="New business",
                stages=(stage("lead"), stage("deal")),
            ),
        )
        assert not outcome.created and event_names(app, pipeline_id) == ["Created"]
        with pytest.raises(IdReused):
            create(app, "other", id=pipeline_id)


class TestEnsureDefaultPipeline:
    def test_created_once_by_the_system(self) -> None:
        app = memory_app()
        assert cmd.ensure_default_pipeline(app) is True
        assert cmd.ensure_default_pipeline(app) is False
        (event,) = events_of(app, DEFAULT_PIPELINE_ID)
        assert event.actor == "system"
        assert pipeline(app, DEFAULT_PIPELINE_ID).stages == DEFAULT_STAGES

    def test_a_concurrent_start_that_loses_the_race_counts_as_done(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Given another process created it after this one looked, the store
        refuses the second insert, and that is not an error."""
        app = memory_app()
        cmd.ensure_default_pipeline(app)
        monkeypatch.setattr(cmd, "exists", lambda *_: None)
        assert cmd.ensure_default_pipeline(app) is False
        assert event_names(app, DEFAULT_PIPELINE_ID) == ["Created"]

    def test_its_id_is_fixed(self) -> None:
        assert str(DEFAULT_PIPELINE_ID) == "394a45df-9153-5323-8bf5-51df19221dd7"


class TestChangeStages:
    def test_add_stage_at_a_position(self) -> None:
        app = memory_app()
        pipeline_id = create(app)
        command = cmd.AddStage(
            pipeline_id=pipeline_id,
            key="demo",
            name="Demo",
            probability=30,
            forecast_category="best_case",
            position=1,
        )
        run(app, cmd.add_stage, command)
        assert pipeline(app, pipeline_id).keys == ("lead", "demo", "deal")
        assert events_of(app, pipeline_id)[-1].position == 1

    def test_add_existing_key_or_past_the_end_is_refused(self) -> None:
        app = memory_app()
        pipeline_id = create(app)
        for key, position, rule_name in [
            ("lead", None, "stage_key_unique"),
            ("x", 3, "stage_position"),
        ]:
            command = cmd.AddStage(
                pipeline_id=pipeline_id,
                key=key,
                name="X",
                probability=1,
                forecast_category="pipeline",
                position=position,
            )
            with pytest.raises(RuleBroken) as refused:
                run(app, cmd.add_stage, command)
            assert refused.value.rule == rule_name
        assert event_names(app, pipeline_id) == ["Created"]

    def test_each_change_carries_old_and_new(self) -> None:
        app = memory_app()
        pipeline_id = create(app)
        change = cmd.ChangeStage(
            pipeline_id=pipeline_id,
            key="deal",
            name="Deal!",
            probability=60,
            forecast_category="commit",
        )
        run(app, cmd.change_stage, change)
        events = events_of(app, pipeline_id)
        assert event_names(app, pipeline_id)[1:] == [
            "StageRenamed",
            "StageProbabilityChanged",
            "StageCategoryChanged",
        ]
        assert (events[2].key, events[2].old, events[2].new) == ("deal", 10, 60)
        run(app, cmd.change_stage, change)  # nothing changes: nothing recorded
        assert len(events_of(app, pipeline_id)) == 4

    def test_change_unknown_stage_is_refused(self) -> None:
        app = memory_app()
        pipeline_id = create(app)
        with pytest.raises(RuleBroken) as refused:
            change = cmd.ChangeStage(pipeline_id=pipeline_id, key="nope", name="N")
            run(app, cmd.change_stage, change)
        assert refused.value.rule == "unknown_stage"

    def test_reorder_names_every_stage_once(self) -> None:
        app = memory_app()
        pipeline_id = create(app, "a", "b", "c")
        for keys in [("a", "b"), ("a", "b", "b"), ("a", "b", "c", "d")]:
            with pytest.raises(RuleBroken):
                command = cmd.ReorderStages(pipeline_id=pipeline_id, keys=keys)
                run(app, cmd.reorder_stages, command)
        command = cmd.ReorderStages(pipeline_id=pipeline_id, keys=("c", "a", "b"))
        run(app, cmd.reorder_stages, command)
        event = events_of(app, pipeline_id)[-1]
        assert (list(event.old), list(event.new)) == (["a", "b", "c"], ["c", "a", "b"])

    def test_the_last_stage_cannot_be_removed(self) -> None:
        app = memory_app()
        pipeline_id = create(app)
        run(app, cmd.remove_stage, cmd.RemoveStage(pipeline_id=pipeline_id, key="lead"))
        with pytest.raises(RuleBroken) as refused:
            command = cmd.RemoveStage(pipeline_id=pipeline_id, key="deal")
            run(app, cmd.remove_stage, command)
        assert refused.value.rule == "pipeline_needs_a_stage"
        assert event_names(app, pipeline_id) == ["Created", "StageRemoved"]
        assert events_of(app, pipeline_id)[-1].stage["key"] == "lead"

    def test_only_admins_change_and_stale_versions_are_refused(self) -> None:
        app = memory_app()
        pipeline_id = create(app)
        rename = cmd.RenamePipeline(pipeline_id=pipeline_id, name="Renamed")
        with pytest.raises(Forbidden):
            run(app, cmd.rename_pipeline, rename, rep())
        with pytest.raises(StaleVersion):
            run(app, cmd.rename_pipeline, rename, expected_version=2)
        run(app, cmd.rename_pipeline, rename, expected_version=1)
        assert pipeline(app, pipeline_id).name == "Renamed"


KEYS = ["a", "b", "c", "d"]


class PipelineMachine(RuleBasedStateMachine):
    """Random stage edits against a list model: refused edits record nothing,
    and the stored history always rebuilds the model."""

    def __init__(self) -> None:
        super().__init__()
        self.app = memory_app()
        self.pipeline_id = create(self.app, "a")
        self.model: list[tuple[str, int, str]] = [("a", 10, "pipeline")]

    def attempt(self, handler: Any, command: Any, allowed: bool) -> None:
        before = len(events_of(self.app, self.pipeline_id))
        if allowed:
            run(self.app, handler, command)
            return
        with pytest.raises(RuleBroken):
            run(self.app, handler, command)
        assert len(events_of(self.app, self.pipeline_id)) == before

    @property
    def keys(self) -> list[str]:
        return [k for k, _, _ in self.model]

    @rule(key=st.sampled_from(KEYS), position=st.none() | st.integers(0, 5))
    def add(self, key: str, position: int | None) -> None:
        command = cmd.AddStage(
            pipeline_id=self.pipeline_id,
            key=key,
            name=key,
            probability=10,
            forecast_category="pipeline",
            position=position,
        )
        at = len(self.model) if position is None else position
        ok = key not in self.keys and at <= len(self.model)
        self.attempt(cmd.add_stage, command, ok)
        if ok:
            self.model.insert(at, (key, 10, "pipeline"))

    @rule(
        key=st.sampled_from(KEYS),
        probability=st.integers(0, 100),
        category=st.sampled_from(["pipeline", "commit", "omitted"]),
    )
    def change(self, key: str, probability: int, category: str) -> None:
        command = cmd.ChangeStage(
            pipeline_id=self.pipeline_id,
            key=key,
            probability=probability,
            forecast_category=category,  # type: ignore[arg-type]
        )
        self.attempt(cmd.change_stage, command, key in self.keys)
        if key in self.keys:
            self.model[self.keys.index(key)] = (key, probability, category)

    @rule(key=st.sampled_from(KEYS))
    def remove(self, key: str) -> None:
        command = cmd.RemoveStage(pipeline_id=self.pipeline_id, key=key)
        ok = key in self.keys and len(self.model) > 1
        self.attempt(cmd.remove_stage, command, ok)
        if ok:
            del self.model[self.keys.index(key)]

    @rule(data=st.data())
    def reorder(self, data: st.DataObject) -> None:
        keys = data.draw(st.permutations(self.keys))
        command = cmd.ReorderStages(pipeline_id=self.pipeline_id, keys=tuple(keys))
        self.attempt(cmd.reorder_stages, command, True)
        self.model.sort(key=lambda s: keys.index(s[0]))

    @invariant()
    def stored_history_rebuilds_the_model(self) -> None:
        found = pipeline(self.app, self.pipeline_id)
        stages = [(s.key, s.probability, s.forecast_category) for s in found.stages]
        assert stages == self.model


TestPipelineMachine = PipelineMachine.TestCase
TestPipelineMachine.settings = settings(
    max_examples=40, stateful_step_count=15, deadline=None
)
