"""Opportunity: a deal with one account, moving through one pipeline's stages.

What must hold:
- Only an open opportunity changes: won and lost ones can only be reopened.
- It always sits in a stage of its pipeline when it enters it; the stage
  events record the probability and forecast category of that moment, so a
  later change to the pipeline never rewrites a past forecast.
- Won and lost are outcomes, not stages: winning sets probability 100 and
  category ``closed``; losing needs a reason and sets 0 and ``omitted``;
  reopening puts it back into a stage of its pipeline.
- The amount is a ``Decimal``, never negative: the rep's figure for the deal.
  Line items (``domain.line_items``) do not change it; ``lines_total`` sums them.
- Detail-change events carry the old and the new value; a change that changes
  nothing records nothing.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.line_items import LineItem, check_line, existing_line, find_line, replaced
from domain.pipeline import Pipeline, Stage

OPEN, WON, LOST = "open", "won", "lost"
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def check_money(amount: Decimal, currency: str) -> None:
    check(amount >= 0, "amount_negative", f"amount {amount} is negative")
    check(bool(_CURRENCY.match(currency)), "currency_code", f"bad currency {currency}")


def _check_name(name: str) -> None:
    check(bool(name.strip()), "name_required", "a deal needs a name")


def _odds(stage: Stage) -> dict[str, Any]:
    """What a deal records on entering ``stage``."""
    return {
        "probability": stage.probability,
        "forecast_category": stage.forecast_category,
    }


class Opportunity(SalesAggregate):
    @classmethod
    def open(
        cls, id: UUID, pipeline: Pipeline, stage: str, **fields: Any
    ) -> Opportunity:
        """``fields``: the remaining parameters of ``__init__``."""
        _check_name(fields["name"])
        check_money(fields["amount"], fields["currency"])
        at = pipeline.require_stage(stage)
        return cls(id=id, pipeline_id=pipeline.id, stage=at.key, **_odds(at), **fields)

    @event("Opened")
    def __init__(
        self,
        id: UUID,
        account_id: UUID,
        name: str,
        amount: Decimal,
        currency: str,
        expected_close_date: date,
        pipeline_id: UUID,
        stage: str,
        probability: int,
        forecast_category: str,
        primary_contact_id: UUID | None = None,
        owner_id: UUID | None = None,
    ) -> None:
        self.account_id = account_id
        self.name = name
        self.amount = amount
        self.currency = currency
        self.expected_close_date = expected_close_date
        self.pipeline_id = pipeline_id
        self.stage = stage
        self.probability = probability
        self.forecast_category = forecast_category
        self.primary_contact_id = primary_contact_id
        self.owner_id = owner_id
        self.status = OPEN
        self.lost_reason: str | None = None
        self.lines: tuple[LineItem, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def lines_total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal(0))

    def _must_be_open(self) -> None:
        check(self.is_open, "opportunity_closed", f"the deal is {self.status}")

    def _stage_of(self, pipeline: Pipeline, stage: str) -> Stage:
        """``stage`` of ``pipeline``, which must be this deal's own pipeline."""
        check(pipeline.id == self.pipeline_id, "other_pipeline", "not its pipeline")
        return pipeline.require_stage(stage)

    def rename(self, name: str) -> None:
        self._must_be_open()
        _check_name(name)
        if name != self.name:
            self._renamed(old=self.name, new=name)

    @event("Renamed")
    def _renamed(self, old: str, new: str) -> None:
        self.name = new

    def change_primary_contact(self, contact_id: UUID | None) -> None:
        self._must_be_open()
        if contact_id != self.primary_contact_id:
            self._contact_changed(old=self.primary_contact_id, new=contact_id)

    @event("PrimaryContactChanged")
    def _contact_changed(self, old: UUID | None, new: UUID | None) -> None:
        self.primary_contact_id = new

    def assign_owner(self, owner_id: UUID | None) -> None:
        self._must_be_open()
        if owner_id != self.owner_id:
            self._owner_changed(old=self.owner_id, new=owner_id)

    @event("OwnerChanged")
    def _owner_changed(self, old: UUID | None, new: UUID | None) -> None:
        self.owner_id = new

    def change_amount(self, amount: Decimal, currency: str) -> None:
        self._must_be_open()
        check_money(amount, currency)
        if (amount, currency) != (self.amount, self.currency):
            self._amount_changed(
                old=self.amount,
                new=amount,
                old_currency=self.currency,
                currency=currency,
            )

    @event("AmountChanged")
    def _amount_changed(
        self, old: Decimal, new: Decimal, old_currency: str, currency: str
    ) -> None:
        self.amount, self.currency = new, currency

    def change_close_date(self, expected_close_date: date) -> None:
        self._must_be_open()
        if expected_close_date != self.expected_close_date:
            self._close_date_changed(
                old=self.expected_close_date, new=expected_close_date
            )

    @event("CloseDateChanged")
    def _close_date_changed(self, old: date, new: date) -> None:
        self.expected_close_date = new

    def move_to(self, pipeline: Pipeline, stage: str) -> None:
        """``pipeline`` must be this deal's own pipeline, as it stands now."""
        self._must_be_open()
        to = self._stage_of(pipeline, stage)
        if to.key != self.stage:
            self._stage_changed(from_stage=self.stage, to_stage=to.key, **_odds(to))

    @event("StageChanged")
    def _stage_changed(
        self, from_stage: str, to_stage: str, probability: int, forecast_category: str
    ) -> None:
        self.stage = to_stage
        self.probability, self.forecast_category = probability, forecast_category

    def add_line(self, line: LineItem) -> None:
        """Adding the same line again records nothing; another with its id is
        refused."""
        self._must_be_open()
        check_line(line)
        if (existing := find_line(self.lines, line.line_id)) is not None:
            check(existing == line, "line_id_reused", f"line {line.line_id} exists")
            return
        self._line_added(line_id=line.line_id, new=line.values())

    @event("LineItemAdded")
    def _line_added(self, line_id: UUID, new: dict[str, Any]) -> None:
        self.lines = (*self.lines, LineItem(line_id=line_id, **new))

    def change_line(self, line_id: UUID, **changes: Any) -> None:
        """``changes``: any of product, sku, quantity, unit_price."""
        self._must_be_open()
        old = existing_line(self.lines, line_id)
        new = replace(old, **changes)
        check_line(new)
        if new != old:
            self._line_changed(line_id=line_id, old=old.values(), new=new.values())

    @event("LineItemChanged")
    def _line_changed(
        self, line_id: UUID, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        self.lines = replaced(self.lines, LineItem(line_id=line_id, **new))

    def remove_line(self, line_id: UUID) -> None:
        self._must_be_open()
        old = existing_line(self.lines, line_id)
        self._line_removed(line_id=line_id, old=old.values())

    @event("LineItemRemoved")
    def _line_removed(self, line_id: UUID, old: dict[str, Any]) -> None:
        self.lines = tuple(li for li in self.lines if li.line_id != line_id)

    def win(self) -> None:
        self._must_be_open()
        self._won(amount=self.amount, currency=self.currency)

    @event("Won")
    def _won(self, amount: Decimal, currency: str) -> None:
        self.status, self.probability, self.forecast_category = WON, 100, "closed"

    def lose(self, reason: str) -> None:
        self._must_be_open()
        check(bool(reason.strip()), "lost_reason_required", "say why it was lost")
        self._lost(reason=reason)

    @event("Lost")
    def _lost(self, reason: str) -> None:
        self.status, self.probability, self.forecast_category = LOST, 0, "omitted"
        self.lost_reason = reason

    def reopen(self, pipeline: Pipeline, stage: str | None = None) -> None:
        """Back into ``stage``, or into the stage it was closed in."""
        check(not self.is_open, "opportunity_open", "the deal is open already")
        to = self._stage_of(pipeline, stage or self.stage)
        self._reopened(stage=to.key, **_odds(to))

    @event("Reopened")
    def _reopened(self, stage: str, probability: int, forecast_category: str) -> None:
        self.status, self.lost_reason = OPEN, None
        self.stage = stage
        self.probability, self.forecast_category = probability, forecast_category
