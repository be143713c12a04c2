"""A sales history over two years, for the forecast and control-report
benchmark: reps in teams and territories, standards, and customers whose
deals move, change and close while their reps plan and log activities.

Event times follow a simulated clock (``clock``), from ``DAYS`` days ago to
now, so a forecast as of a year back and reports of past months have data.
Aggregates are built in memory and saved many at a time (one transaction per
save), as ``benchmarks.projections_workload`` does.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock
from uuid import UUID, uuid4

from commands.application import SalesApplication
from commands.pipelines import ensure_default_pipeline
from domain.account import Account
from domain.activity import Activity
from domain.base import Actor, acting_as
from domain.opportunity import Opportunity
from domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline
from domain.rep import Rep, Team
from domain.standard import Standard

DAYS = 730
TEAM_SIZE = 10
TERRITORIES = ("north", "south", "east", "west")
STAGES = ("prospecting", "qualification", "proposal", "negotiation")
KINDS = ("call", "call", "call", "meeting", "visit", "email")
PER_SAVE = 10  # new customers per save
Progress = Callable[[int, int], None]


@contextmanager
def clock(now: Callable[[], datetime]) -> Iterator[None]:
    """Events created inside are stamped ``now()``."""
    with mock.patch("eventsourcing.domain.datetime_now_with_tzinfo", now):
        yield


@dataclass
class History:
    app: SalesApplication
    reps: int
    seed: int = 1
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    rng: random.Random = field(init=False)
    at: datetime = field(init=False)
    rep_ids: list[UUID] = field(default_factory=list)
    open_deals: list[Opportunity] = field(default_factory=list)
    planned: list[Activity] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.at = self.now - timedelta(days=DAYS)
        ensure_default_pipeline(self.app)
        self.pipeline: Pipeline = self.app.repository.get(DEFAULT_PIPELINE_ID)

    def stamp(self) -> datetime:
        return self.at

    def setup(self) -> None:
        """Reps in teams of ``TEAM_SIZE``, and the standards."""
        records: list[Any] = []
        for t in range(max(1, self.reps // TEAM_SIZE)):
            team = Team(id=uuid4(), name=f"Team {t}")
            records.append(team)
            for n in range(TEAM_SIZE):
                rep = Rep(
                    id=uuid4(),
                    name=f"Rep {t}-{n}",
                    email=f"rep{t}x{n}@bench.sfa.dev",
                    territory=TERRITORIES[t % len(TERRITORIES)],
                )
                rep.join_team(team.id)
                team.add_member(rep.id)
                records.append(rep)
                self.rep_ids.append(rep.id)
        records += self.standards()
        self.app.save(*records)

    def standards(self) -> list[Standard]:
        start = (self.now - timedelta(days=DAYS)).date()
        common = {"scope": "everyone", "effective_from": start}
        specs: list[dict[str, Any]] = [
            {"metric": "activities_completed", "activity_kind": "call", "target": 30},
            {"metric": "new_opportunities", "target": 4},
            {"metric": "won_amount", "currency": "EUR", "target": 40_000},
            {"metric": "deals_won", "target": 1},
            {"metric": "win_rate", "target": 40},
            {"metric": "avg_sales_cycle_days", "target": 60},
            {"metric": "planned_on_time_share", "target": 80},
            {"metric": "stage_advances", "target": 6},
        ]
        return [
            Standard.define(
                id=uuid4(),
                period_kind="quarter" if s["metric"] == "won_amount" else "month",
                **common,
                **(s | {"target": Decimal(s["target"])}),
            )
            for s in specs
        ]

    def record(self, events: int, progress: Progress | None = None) -> int:
        """Saves until at least ``events`` events are recorded; the head."""
        step = timedelta(days=DAYS) / max(1, events // 120)
        recorded = 0
        with clock(self.stamp):
            self.setup()
            while recorded < events:
                self.at = min(self.at + step, self.now)
                with acting_as(Actor("bench", uuid4())):
                    records = self.one_save()
                recorded += sum(len(r.pending_events) for r in records)
                self.app.save(*records)
                if progress is not None:
                    progress(min(recorded, events), events)
        return self.app.recorder.max_notification_id() or 0

    def one_save(self) -> list[Any]:
        """New customers; then older deals and plans move on."""
        records: list[Any] = []
        for _ in range(PER_SAVE):
            records += self.customer()
        for deal in self.rng.sample(self.open_deals, min(33, len(self.open_deals))):
            self.progress(deal)
            records.append(deal)
        due = [a for a in self.planned if a.scheduled_at <= self.at]  # type: ignore[operator]
        for activity in due[:40]:
            self.finish(activity)
            records.append(activity)
            self.planned.remove(activity)
        self.open_deals = [d for d in self.open_deals if d.is_open]
        return [r for r in {id(r): r for r in records}.values() if r.pending_events]

    def customer(self) -> list[Any]:
        rng, owner = self.rng, self.rng.choice(self.rep_ids)
        account = Account(
            id=uuid4(),
            name="Company",
            territory=rng.choice(TERRITORIES),
            owner_id=owner,
        )
        deal = Opportunity.open(
            uuid4(),
            self.pipeline,
            "prospecting",
            account_id=account.id,
            name="Deal",
            amount=Decimal(rng.randrange(1_000, 90_000)),
            currency="EUR",
            expected_close_date=self.at.date() + timedelta(days=rng.randint(20, 150)),
            owner_id=owner,
        )
        self.open_deals.append(deal)
        activities = [
            self.activity(account.id, owner) for _ in range(rng.randint(3, 6))
        ]
        return [account, deal, *activities]

    def activity(self, account_id: UUID, owner: UUID) -> Activity:
        details: dict[str, Any] = {"kind": self.rng.choice(KINDS), "purpose": "demo"}
        details |= {"account_id": account_id, "owner_id": owner}
        if self.rng.random() < 0.5:
            return Activity.log(
                uuid4(),
                **details,
                outcome="connected",
                duration_minutes=self.rng.randint(5, 60),
                completed_at=self.at,
            )
        when = self.at + timedelta(days=self.rng.randint(1, 20), hours=10)
        activity = Activity.plan(uuid4(), when, **details)
        self.planned.append(activity)
        return activity

    def finish(self, activity: Activity) -> None:
        if self.rng.random() < 0.1:
            activity.cancel("postponed")
            return
        late = timedelta(days=self.rng.choice((0, 0, 0, 1, 3)))
        scheduled = activity.scheduled_at or self.at
        activity.complete(
            outcome="connected",
            duration_minutes=self.rng.randint(5, 60),
            completed_at=min(scheduled + late, self.at),
        )

    def progress(self, deal: Opportunity) -> None:
        roll = self.rng.random()
        if roll < 0.15:
            deal.win()
        elif roll < 0.3:
            deal.lose("price")
        elif roll < 0.6:
            at = STAGES.index(deal.stage)
            deal.move_to(self.pipeline, STAGES[min(at + 1, len(STAGES) - 1)])
        elif roll < 0.8:
            deal.change_amount(deal.amount + 500, "EUR")
        else:
            shift = timedelta(days=self.rng.randint(-10, 45))
            deal.change_close_date(
                max(deal.expected_close_date + shift, date(2000, 1, 1))
            )
