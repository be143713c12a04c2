"""``sfa demo seed``: every step schedules its dated actions in one world;
then they run in time order, each back-dated to its moment, through the
command layer.

What must hold:
- The steps run in the order of ``STEPS``, each reading the facts the
  earlier ones left (``world.facts``); a new area is one more module
  with a ``plan(world)`` appended here.
- The same seed, scale and end day record the same events (ids, data,
  timestamps, correlation ids).
- A store that already holds anything beyond the default pipeline is
  refused (``StoreNotEmpty``) before anything is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import ModuleType

from commands.application import SalesApplication
from commands.pipelines import ensure_default_pipeline
from domain.base import DomainError
from domain.pipeline import DEFAULT_PIPELINE_ID
from infra.demo import (
    catalogue,
    customers,
    duplicates,
    hiring,
    leads,
    management,
    org,
    selling,
    training,
)
from infra.demo.clock import backdated
from infra.demo.world import SCALES, World

STEPS: tuple[ModuleType, ...] = (
    org,
    catalogue,
    management,
    customers,
    duplicates,
    selling,
    leads,
    hiring,
    training,
)


class StoreNotEmpty(RuntimeError):
    """The store already holds records: demo data goes in an empty one."""


def planned(seed: int, scale: str, until: date) -> World:
    """The world with every step's actions scheduled, nothing recorded."""
    world = World(seed=seed, scale=SCALES[scale], until=until)
    for step in STEPS:
        step.plan(world)
    world.schedule.sort()
    return world


def require_empty(app: SalesApplication) -> None:
    """``StoreNotEmpty`` unless the log holds at most the default pipeline;
    then the default pipeline exists."""
    head = app.recorder.max_notification_id() or 0
    pipeline = len(list(app.events.get(DEFAULT_PIPELINE_ID)))
    if head > pipeline:
        raise StoreNotEmpty(
            f"the store already holds {head:,} events: demo data is seeded into"
            " an empty store only (point SFA_SQLITE_PATH or SFA_DATABASE_URL at"
            " a new one)"
        )
    ensure_default_pipeline(app)


def seed(
    app: SalesApplication,
    seed: int,
    scale: str,
    until: date,
    progress: Callable[[int, int], object] | None = None,
) -> World:
    """Records the demo year; the world it planned (``len(schedule)``
    actions run; ``facts`` name what was made)."""
    require_empty(app)
    world = planned(seed, scale, until)
    total = len(world.schedule)
    for done, item in enumerate(world.schedule, 1):
        with backdated(item.at):
            try:
                item.action(app, world.context(item))
            except DomainError as e:
                e.add_note(f"demo seed: {item.label} at {item.at:%Y-%m-%d %H:%M}")
                raise
        if progress and (done % 50 == 0 or done == total):
            progress(done, total)
    return world
