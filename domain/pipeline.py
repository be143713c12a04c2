"""Pipeline: the named, ordered stages an opportunity moves through.

What must hold:
- A pipeline has at least one stage; stage keys are unique, snake_case and
  never change (opportunities and forecasts refer to them).
- A stage's win probability is 0-100 and its forecast category one of
  ``FORECAST_CATEGORIES``.
- Won and lost are outcomes of an opportunity (its ``Won`` / ``Lost`` events),
  not stages; a pipeline may still have stages of category ``closed`` or
  ``omitted`` (e.g. "on hold").
- Removing a stage is allowed even while open opportunities sit in it: this
  aggregate cannot see them. Such an opportunity keeps its stage key and the
  probability it recorded when it entered the stage; it can move on to any
  stage that exists.
- Every change to the stages is its own event carrying old and new values;
  a change that changes nothing records nothing.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, TypedDict
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SalesAggregate, check

FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
STAGE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DEFAULT_PIPELINE_ID = uuid5(NAMESPACE_URL, "sfa:pipeline:default")


class StageSpec(TypedDict):
    """A stage as events carry it."""

    key: str
    name: str
    probability: int
    forecast_category: str


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    probability: int
    forecast_category: str

    def spec(self) -> StageSpec:
        return StageSpec(
            key=self.key,
            name=self.name,
            probability=self.probability,
            forecast_category=self.forecast_category,
        )


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("prospecting", "Prospecting", 10, "pipeline"),
    Stage("qualification", "Qualification", 20, "pipeline"),
    Stage("proposal", "Proposal", 50, "best_case"),
    Stage("negotiation", "Negotiation", 75, "commit"),
)


def check_stage(key: str, name: str, probability: int, category: str) -> None:
    check(bool(STAGE_KEY.match(key)), "stage_key_format", f"bad stage key {key!r}")
    check(bool(name.strip()), "stage_name_required", "a stage needs a name")
    check(
        0 <= probability <= 100,
        "probability_range",
        f"win probability {probability} is not within 0-100",
    )
    check(
        category in FORECAST_CATEGORIES,
        "forecast_category",
        f"forecast category {category!r} is not one of {FORECAST_CATEGORIES}",
    )


class Pipeline(SalesAggregate):
    @classmethod
    def create(cls, id: UUID, name: str, stages: tuple[Stage, ...]) -> Pipeline:
        check(bool(name.strip()), "pipeline_name_required", "a pipeline needs a name")
        check(len(stages) > 0, "pipeline_needs_a_stage", "a pipeline needs a stage")
        keys = [s.key for s in stages]
        check(len(set(keys)) == len(keys), "stage_key_unique", "stage keys repeat")
        for s in stages:
            check_stage(s.key, s.name, s.probability, s.forecast_category)
        return cls(id=id, name=name, stages=tuple(s.spec() for s in stages))

    @event("Created")
    def __init__(self, id: UUID, name: str, stages: tuple[StageSpec, ...]) -> None:
        self.name = name
        self.stages = tuple(Stage(**spec) for spec in stages)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages)

    def stage(self, key: str) -> Stage | None:
        return next((s for s in self.stages if s.key == key), None)

    def require_stage(self, key: str) -> Stage:
        """The stage named ``key``; refused with ``unknown_stage`` if none."""
        found = self.stage(key)
        check(found is not None, "unknown_stage", f"no stage {key!r} in this pipeline")
        assert found is not None
        return found

    def rename(self, name: str) -> None:
        check(bool(name.strip()), "pipeline_name_required", "a pipeline needs a name")
        if name != self.name:
            self._renamed(old=self.name, new=name)

    @event("Renamed")
    def _renamed(self, old: str, new: str) -> None:
        self.name = new

    def add_stage(self, stage: Stage, position: int | None = None) -> None:
        """Insert at ``position`` (0 = first; ``None`` = last)."""
        check_stage(stage.key, stage.name, stage.probability, stage.forecast_category)
        check(stage.key not in self.keys, "stage_key_unique", f"{stage.key} exists")
        at = len(self.stages) if position is None else position
        check(0 <= at <= len(self.stages), "stage_position", f"no position {at}")
        self._stage_added(stage=stage.spec(), position=at)

    @event("StageAdded")
    def _stage_added(self, stage: StageSpec, position: int) -> None:
        stages = list(self.stages)
        stages.insert(position, Stage(**stage))
        self.stages = tuple(stages)

    def change_stage(
        self,
        key: str,
        *,
        name: str | None = None,
        probability: int | None = None,
        forecast_category: str | None = None,
    ) -> None:
        """Only the values given change, each with its own event."""
        old = self.require_stage(key)
        new = Stage(
            key,
            old.name if name is None else name,
            old.probability if probability is None else probability,
            old.forecast_category if forecast_category is None else forecast_category,
        )
        check_stage(new.key, new.name, new.probability, new.forecast_category)
        if new.name != old.name:
            self._stage_renamed(key=key, old=old.name, new=new.name)
        if new.probability != old.probability:
            self._probability_changed(key=key, old=old.probability, new=new.probability)
        if new.forecast_category != old.forecast_category:
            self._category_changed(
                key=key, old=old.forecast_category, new=new.forecast_category
            )

    def _replace(self, key: str, **changes: Any) -> None:
        self.stages = tuple(
            Stage(**{**asdict(s), **changes}) if s.key == key else s
            for s in self.stages
        )

    @event("StageRenamed")
    def _stage_renamed(self, key: str, old: str, new: str) -> None:
        self._replace(key, name=new)

    @event("StageProbabilityChanged")
    def _probability_changed(self, key: str, old: int, new: int) -> None:
        self._replace(key, probability=new)

    @event("StageCategoryChanged")
    def _category_changed(self, key: str, old: str, new: str) -> None:
        self._replace(key, forecast_category=new)

    def reorder(self, keys: tuple[str, ...]) -> None:
        """``keys`` names every stage exactly once, in the new order."""
        check(
            sorted(keys) == sorted(self.keys) and len(set(keys)) == len(keys),
            "stage_order_incomplete",
            "the new order must name every stage of the pipeline exactly once",
        )
        if tuple(keys) != self.keys:
            self._reordered(old=self.keys, new=tuple(keys))

    @event("StagesReordered")
    def _reordered(self, old: tuple[str, ...], new: tuple[str, ...]) -> None:
        by_key = {s.key: s for s in self.stages}
        self.stages = tuple(by_key[k] for k in new)

    def remove_stage(self, key: str) -> None:
        """Open opportunities in the stage keep its key (see the module doc)."""
        stage = self.require_stage(key)
        check(len(self.stages) > 1, "pipeline_needs_a_stage", "cannot remove the last")
        self._stage_removed(stage=stage.spec())

    @event("StageRemoved")
    def _stage_removed(self, stage: StageSpec) -> None:
        self.stages = tuple(s for s in self.stages if s.key != stage["key"])


RECRUITING_PIPELINE_ID = uuid5(NAMESPACE_URL, "sfa:pipeline:recruiting")
"""Candidates move through this pipeline: a ``Pipeline`` like the sales one,
so admins change its stages with the same ``/pipelines`` commands. A stage's
probability reads as the chance a candidate there is hired."""

RECRUITING_STAGES: tuple[Stage, ...] = (
    Stage("planning", "Planning", 5, "pipeline"),
    Stage("recruiting", "Recruiting", 10, "pipeline"),
    Stage("selection", "Selection", 30, "best_case"),
    Stage("hiring", "Hiring", 70, "commit"),
    Stage("assimilation", "Assimilation", 100, "closed"),
)
