"""Standard commands: set a performance standard, revise or retire it.

What must hold:
- Only managers and admins set and revise standards (``Forbidden``).
- A rep or team scope names an existing rep or team by id (rules
  ``scope_rep_unknown``, ``scope_team_unknown``); a territory scope names
  the territory; ``everyone`` names nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from commands.application import SalesApplication
from commands.base import (
    Command,
    Context,
    Forbidden,
    Outcome,
    chosen_or_new,
    load,
    referenced,
    repeat_of_creation,
    save,
)
from commands.normalise import Currency, Name
from domain.base import RuleBroken
from domain.rep import Rep, Team
from domain.standard import Standard

Metric = Literal[
    "activities_completed",
    "new_opportunities",
    "pipeline_created",
    "stage_advances",
    "deals_won",
    "won_amount",
    "win_rate",
    "avg_sales_cycle_days",
    "avg_minutes_per_activity",
    "planned_on_time_share",
    "follow_ups_on_time_share",
]  # domain.standard.METRICS
Scope = Literal["rep", "team", "territory", "everyone"]
PeriodKind = Literal["month", "quarter", "year"]
ActivityKind = Literal["call", "meeting", "visit", "email", "task"]
Target = Decimal


class SetStandard(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    metric: Metric
    activity_kind: ActivityKind | None = None
    currency: Currency | None = Field(
        default=None, description="amount metrics only: the deals' currency"
    )
    target: Target = Field(ge=0, max_digits=18, decimal_places=4)
    scope: Scope
    subject: Name | None = Field(
        default=None, description="rep or team id, or territory; none for everyone"
    )
    period_kind: PeriodKind
    effective_from: date

    def definition(self) -> dict[str, Any]:
        return self.model_dump(exclude={"id"})


class ReviseStandard(Command):
    standard_id: UUID
    target: Target | None = Field(
        ge=0, max_digits=18, decimal_places=4, description="null: retire it"
    )
    effective_from: date


def require_manager(ctx: Context) -> None:
    if not ctx.caller.has("manager", "admin"):
        raise Forbidden(
            f"only managers and admins set standards, not {ctx.caller.name}"
        )


def scope_subject(app: SalesApplication, scope: str, subject: str | None) -> str | None:
    """The subject as stored: a rep or team id in canonical form."""
    if scope not in ("rep", "team") or subject is None:
        return subject
    try:
        subject_id = UUID(subject)
    except ValueError:
        msg = f"a {scope} scope names the {scope} by id, not {subject!r}"
        raise RuleBroken(msg, rule=f"scope_{scope}_unknown") from None
    referenced(
        app, Rep if scope == "rep" else Team, subject_id, f"scope_{scope}_unknown"
    )
    return str(subject_id)


def set_standard(app: SalesApplication, cmd: SetStandard, ctx: Context) -> Outcome:
    require_manager(ctx)
    fields = cmd.definition() | {"subject": scope_subject(app, cmd.scope, cmd.subject)}
    standard_id, found = chosen_or_new(app, cmd.id)
    if found is not None:
        return repeat_of_creation(app, found, Standard, fields)
    return save(app, ctx, Standard.define(id=standard_id, **fields), created=True)


def revise_standard(
    app: SalesApplication, cmd: ReviseStandard, ctx: Context
) -> Outcome:
    require_manager(ctx)
    standard = load(app, Standard, cmd.standard_id, ctx)
    standard.revise(cmd.target, cmd.effective_from)
    return save(app, ctx, standard)
