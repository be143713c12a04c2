"""Forecast adjustment command: a manager records (or revises) the figure
they forecast for a rep or team, period and currency.

What must hold: only managers and admins adjust (``Forbidden``); the rep or
team exists (rules ``scope_rep_unknown``, ``scope_team_unknown``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from commands.application import SalesApplication
from commands.base import Command, Context, Outcome, exists, save
from commands.normalise import Currency, Text
from commands.standards import require_manager, scope_subject
from domain.forecast_adjustment import (
    ForecastAdjustment,
    adjustment_id,
    check_adjustment,
)


class AdjustForecast(Command):
    scope: Literal["rep", "team"]
    member: str = Field(max_length=64, description="the rep's or team's id")
    period: str = Field(max_length=10, description="YYYY-MM, YYYY-Qn or YYYY")
    currency: Currency
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=4)
    note: Text


def adjust_forecast(
    app: SalesApplication, cmd: AdjustForecast, ctx: Context
) -> Outcome:
    require_manager(ctx)
    member = scope_subject(app, cmd.scope, cmd.member) or cmd.member
    check_adjustment(cmd.scope, cmd.period, cmd.amount, cmd.note)
    found = exists(app, adjustment_id(cmd.scope, member, cmd.period, cmd.currency))
    if isinstance(found, ForecastAdjustment):
        found.revise(cmd.amount, cmd.note)
        return save(app, ctx, found)
    adjustment = ForecastAdjustment.record(
        cmd.scope, member, cmd.period, cmd.currency, cmd.amount, cmd.note
    )
    return save(app, ctx, adjustment, created=True)
