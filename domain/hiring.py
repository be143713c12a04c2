"""Hiring plan: the positions a sales organisation means to fill, per team
and territory, each with its job description and the qualifications a
candidate must show, and what was spent on each recruiting source.

What must hold:
- A plan has a name, a currency and at least one position; position keys
  are unique, snake_case and never change (candidates refer to them).
- A position has a title, a job description, a headcount of at least one
  and at least one qualification; each qualification has a unique key and a
  minimum score within ``SCORES`` (1-5).
- Spend on a source is positive and in the plan's currency; it adds up.
- A closed plan changes no more (its candidates keep moving).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TypedDict
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SCORES = range(1, 6)
OPEN, CLOSED = "open", "closed"


class Qualification(TypedDict):
    key: str
    name: str
    min_score: int


class Position(TypedDict):
    key: str
    title: str
    team_id: str | None
    territory: str | None
    job_description: str
    headcount: int
    qualifications: list[Qualification]


def check_position(position: Position) -> None:
    key = position["key"]
    check(bool(KEY.match(key)), "position_key_format", f"bad position key {key!r}")
    check(bool(position["title"].strip()), "title_required", "a position needs a title")
    check(
        bool(position["job_description"].strip()),
        "job_description_required",
        "a position needs a job description",
    )
    check(position["headcount"] >= 1, "headcount_range", "headcount is at least 1")
    quals = position["qualifications"]
    check(len(quals) > 0, "qualification_required", "name a qualification")
    keys = [q["key"] for q in quals]
    check(len(set(keys)) == len(keys), "qualification_key_unique", "keys repeat")
    for q in quals:
        check(bool(KEY.match(q["key"])), "qualification_key_format", "bad key")
        check(
            q["min_score"] in SCORES,
            "score_range",
            f"a minimum score is within 1-5, not {q['min_score']}",
        )


class HiringPlan(SalesAggregate):
    @classmethod
    def draw_up(
        cls, id: UUID, name: str, currency: str, positions: list[Position]
    ) -> HiringPlan:
        check(bool(name.strip()), "plan_name_required", "a plan needs a name")
        check(len(positions) > 0, "position_required", "a plan needs a position")
        keys = [p["key"] for p in positions]
        check(len(set(keys)) == len(keys), "position_key_unique", "keys repeat")
        for p in positions:
            check_position(p)
        return cls(id=id, name=name, currency=currency, positions=positions)

    @event("DrawnUp")
    def __init__(
        self, id: UUID, name: str, currency: str, positions: list[Position]
    ) -> None:
        self.name = name
        self.currency = currency
        self.positions = {p["key"]: p for p in positions}
        self.spend: dict[str, Decimal] = {}
        self.status = OPEN

    def position(self, key: str) -> Position:
        """The position ``key``; ``unknown_position`` if the plan has none."""
        check(key in self.positions, "unknown_position", f"no position {key!r}")
        return self.positions[key]

    def _check_open(self) -> None:
        check(self.status == OPEN, "plan_closed", "the hiring plan is closed")

    def add_position(self, position: Position) -> None:
        self._check_open()
        check_position(position)
        key = position["key"]
        check(key not in self.positions, "position_key_unique", f"{key} exists")
        self._position_added(position=position)

    @event("PositionAdded")
    def _position_added(self, position: Position) -> None:
        self.positions = {**self.positions, position["key"]: position}

    def record_spend(self, source: str, amount: Decimal, currency: str) -> None:
        """Money spent on a source as a whole (a job board, a fair)."""
        self._check_open()
        check(bool(source.strip()), "source_required", "name the source")
        check(amount > 0, "amount_positive", "spend is more than zero")
        check(
            currency == self.currency,
            "currency_mismatch",
            f"the plan is in {self.currency}, not {currency}",
        )
        self._spend_recorded(source=source, amount=amount)

    @event("SpendRecorded")
    def _spend_recorded(self, source: str, amount: Decimal) -> None:
        self.spend = {**self.spend, source: self.spend.get(source, Decimal(0)) + amount}

    def close(self) -> None:
        self._check_open()
        self._closed()

    @event("Closed")
    def _closed(self) -> None:
        self.status = CLOSED
