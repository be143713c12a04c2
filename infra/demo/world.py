"""The seeder's world: the seed, the scale, the year, deterministic ids and
randomness, and the schedule of dated actions every step adds to.

What must hold:
- Everything derives from ``seed``: ids are ``uuid5`` of a namespace made
  from the seed and a name (``world.id("account", 7)``), each step draws
  from its own ``random.Random`` seeded from the seed and its name, and each
  command's correlation id is derived from its place in the schedule. The
  same seed, scale and end of year record the same events.
- Actions run in time order (ties in the order they were scheduled), each
  inside ``backdated`` its moment, through ``execute`` as an admin caller
  named ``demo-seed``: every rule of the command layer holds.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from commands.application import SalesApplication
from commands.base import Caller, Context, Outcome, execute

CALLER = Caller("demo-seed", frozenset({"admin"}))

Action = Callable[[SalesApplication, Context], object]


@dataclass(frozen=True)
class Scale:
    """How big the organisation is."""

    teams: int
    reps_per_team: int
    accounts_per_rep: int
    leads_per_list: int

    @property
    def reps(self) -> int:
        return self.teams * self.reps_per_team


SCALES = {
    "tiny": Scale(teams=2, reps_per_team=2, accounts_per_rep=3, leads_per_list=16),
    "small": Scale(teams=3, reps_per_team=4, accounts_per_rep=6, leads_per_list=40),
    "medium": Scale(teams=6, reps_per_team=6, accounts_per_rep=15, leads_per_list=200),
    "large": Scale(teams=12, reps_per_team=8, accounts_per_rep=30, leads_per_list=800),
}


@dataclass(order=True)
class Scheduled:
    at: datetime
    order: int
    label: str = field(compare=False)
    action: Action = field(compare=False)


@dataclass
class World:
    """What the steps share: who and what exists, by deterministic id."""

    seed: int
    scale: Scale
    until: date
    schedule: list[Scheduled] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def start(self) -> datetime:
        """A year before ``until``, at 08:00 UTC."""
        return datetime.combine(self.until - timedelta(days=365), time(8), UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.until, time(8), UTC)

    def id(self, kind: str, *key: object) -> UUID:
        name = ":".join([kind, *map(str, key)])
        return uuid5(uuid5(NAMESPACE_URL, f"sfa:demo:{self.seed}"), name)

    def rng(self, step: str) -> random.Random:
        return random.Random(f"{self.seed}:{step}")

    def day(self, offset: int, hour: int = 9, minute: int = 0) -> datetime:
        """``offset`` days after the start, at ``hour:minute`` (clamped to
        the year)."""
        offset = max(0, min(offset, 365))
        moment = self.start + timedelta(days=offset)
        return moment.replace(hour=hour, minute=minute)

    def at(self, moment: datetime, label: str, action: Action) -> None:
        """Schedule ``action`` for ``moment``; what would happen after the
        year's end does not (an action only ever needs earlier ones, so
        nothing scheduled misses what it needs)."""
        if moment > self.end:
            return
        order = len(self.schedule)
        self.schedule.append(Scheduled(moment, order, label, action))

    def do(
        self,
        moment: datetime,
        handler: Callable[[SalesApplication, Any, Context], Outcome],
        command: object,
    ) -> None:
        """Schedule one command for ``moment``."""

        def action(app: SalesApplication, ctx: Context) -> object:
            return execute(handler, app, command, ctx)

        self.at(moment, type(command).__name__, action)

    def context(self, scheduled: Scheduled) -> Context:
        correlation = self.id("correlation", scheduled.order)
        return Context(CALLER, correlation_id=correlation)
