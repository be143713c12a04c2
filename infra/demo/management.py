"""Step: the control process: standards set at the start of the year (and
one revised mid-year), a corrective action against the weakest month of one
rep (opened and later closed), and each manager's own figure for the
current quarter's forecast.

Facts it leaves: ``standards``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from commands import corrective_actions, forecast_adjustments, standards
from domain.periods import of_kind
from infra.demo.world import World

TARGETS = (
    ("activities_completed", "month", Decimal(6), None),
    ("new_opportunities", "month", Decimal(1), None),
    ("won_amount", "quarter", Decimal(60000), "EUR"),
    ("win_rate", "quarter", Decimal(40), None),
    ("planned_on_time_share", "month", Decimal(80), None),
)


def plan(world: World) -> None:
    first = world.start.date().replace(day=1)
    ids = []
    for n, (metric, kind, target, currency) in enumerate(TARGETS):
        standard_id = world.id("standard", n)
        ids.append(standard_id)
        world.do(
            world.day(0, 6, 30),
            standards.set_standard,
            standards.SetStandard.model_validate(
                {
                    "id": standard_id,
                    "metric": metric,
                    "target": target,
                    "currency": currency,
                    "scope": "everyone",
                    "period_kind": kind,
                    "effective_from": first,
                }
            ),
        )
    middle = (world.start + timedelta(days=183)).date().replace(day=1)
    world.do(
        world.day(182, 7),
        standards.revise_standard,
        standards.ReviseStandard(
            standard_id=ids[0], target=Decimal(8), effective_from=middle
        ),
    )
    world.facts["standards"] = ids
    _actions(world)
    _adjustments(world)


def _actions(world: World) -> None:
    reps = world.facts["reps"]
    managers = world.facts["managers"]
    month = of_kind("month", (world.start + timedelta(days=150)).date())
    opened = world.day(152, 11)
    for t, manager in enumerate(managers):
        rep = reps[t * world.scale.reps_per_team + world.scale.reps_per_team - 1]
        action_id = world.id("corrective-action", t)
        world.do(
            opened,
            corrective_actions.open_corrective_action,
            corrective_actions.OpenCorrectiveAction(
                id=action_id,
                scope="rep",
                member=str(rep),
                metric="activities_completed",
                period=month.label,
                owner_id=manager,
                kind="coaching",
                due_date=(opened + timedelta(days=30)).date(),
                note="weekly call reviews with the manager",
            ),
        )
        if t % 2 == 0:
            closed = opened + timedelta(days=28)
            world.do(
                closed,
                corrective_actions.close_corrective_action,
                corrective_actions.CloseCorrectiveAction(
                    action_id=action_id,
                    outcome="four reviews held",
                    closed_on=closed.date(),
                ),
            )


def _adjustments(world: World) -> None:
    quarter = of_kind("quarter", world.until)
    moment = world.end - timedelta(days=3)
    for t, team_id in enumerate(world.facts["teams"]):
        world.do(
            moment,
            forecast_adjustments.adjust_forecast,
            forecast_adjustments.AdjustForecast(
                scope="team",
                member=str(team_id),
                period=quarter.label,
                currency="EUR",
                amount=Decimal(90000 + 15000 * t),
                note="two late deals slip into next quarter",
            ),
        )
