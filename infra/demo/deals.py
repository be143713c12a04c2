"""One deal's story, shared by the selling and lead steps: line items,
an activity at each stage, the quote, and its end (won with an order and
its fulfilment, lost with a reason, or still open with the next call
planned).

What must hold: every outreach activity of a deal is its owner's, from
department ``sales``, with a contact who may be contacted, so the outreach
guard has nothing to refuse; the one exception is the manager joining a
demo (``manager_joins``), recorded with an override reason.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from commands import activities, opportunities
from infra.demo.closing import Deal, lines, quote, won
from infra.demo.names import LOSS_REASONS
from infra.demo.world import World

STAGES = ("prospecting", "qualification", "proposal", "negotiation")
PURPOSE = {
    "prospecting": "prospecting",
    "qualification": "qualification",
    "proposal": "demo",
    "negotiation": "negotiation",
}
KIND = {
    "prospecting": "call",
    "qualification": "meeting",
    "proposal": "visit",
    "negotiation": "meeting",
}


def story(
    world: World, rng: random.Random, deal: Deal, opened: bool
) -> datetime | None:
    """Schedules the deal from its opening (``opened``: the opening is
    already scheduled elsewhere, e.g. by a lead's conversion) to its end;
    when it is won, the moment, else ``None``."""
    items = lines(rng)
    amount = sum((n * p for _, n, p in items), Decimal(0))
    span = rng.randint(45, 160)
    close = deal.opened + timedelta(days=span)
    if not opened:
        world.do(
            deal.opened,
            opportunities.open_opportunity,
            opportunities.OpenOpportunity(
                id=deal.id,
                account_id=deal.account,
                owner_id=deal.owner,
                primary_contact_id=deal.contact,
                amount=amount,
                name=f"Fleet rollout {deal.key}",
                currency="EUR",
                expected_close_date=close.date(),
            ),
        )
    else:  # opened by a conversion: priced once the lines are known
        world.do(
            deal.opened + timedelta(minutes=10),
            opportunities.change_opportunity_details,
            opportunities.ChangeOpportunityDetails(
                opportunity_id=deal.id,
                amount=amount,
                expected_close_date=close.date(),
            ),
        )
    for i, (sku, n, price) in enumerate(items):
        world.do(
            deal.opened + timedelta(minutes=5),
            opportunities.add_line_item,
            opportunities.AddLineItem(
                opportunity_id=deal.id,
                line_id=world.id("line", deal.key, i),
                product=sku,
                sku=sku,
                quantity=Decimal(n),
                unit_price=price,
            ),
        )
    fate = rng.choices(("won", "lost", "open"), (0.4, 0.25, 0.35))[0]
    if close >= world.end:
        fate = "open"
    reached = len(STAGES) if fate != "lost" else rng.randint(2, len(STAGES))
    if fate == "open":
        reached = rng.randint(1, len(STAGES))
    steps = _stage_moments(deal.opened, close, reached)
    for n, (stage, moment) in enumerate(zip(STAGES, steps, strict=False)):
        if n:
            world.do(
                moment,
                opportunities.advance_stage,
                opportunities.AdvanceStage(opportunity_id=deal.id, stage=stage),
            )
        _touch(world, rng, deal, n, stage, moment + timedelta(hours=2))
        if stage == "proposal":
            quote(world, rng, deal, items, moment + timedelta(hours=5), close)
            if deal.manager and not deal.purpose and rng.random() < 0.3:
                manager_joins(world, deal, moment + timedelta(days=2))
    last = steps[-1]
    end = max(close, last + timedelta(days=3))
    if fate == "won" and end < world.end:
        won(world, rng, deal, items, end)
        return end
    if fate == "lost" and end < world.end:
        _lost(world, rng, deal, end)
    else:
        _next_call(world, rng, deal, last)
    return None


def _stage_moments(opened: datetime, close: datetime, reached: int) -> list[datetime]:
    gap = (close - opened) / (len(STAGES) + 1)
    return [opened + gap * n for n in range(reached)]


def _touch(
    world: World, rng: random.Random, deal: Deal, n: int, stage: str, at: datetime
) -> None:
    """The stage's customer activity: planned a few days ahead and held on
    time (or late), or logged after the fact."""
    activity_id = world.id("activity", deal.key, n)
    fields: dict[str, object] = {
        "id": activity_id,
        "kind": KIND[stage],
        "purpose": deal.purpose or PURPOSE[stage],
        "contact_id": deal.contact,
        "owner_id": deal.owner,
        "department": "sales",
    }
    minutes = rng.choice((15, 30, 45, 60, 90))
    if rng.random() < 0.5:
        planned = max(at - timedelta(days=rng.randint(2, 7)), deal.opened)
        world.do(
            planned,
            activities.plan_activity,
            activities.PlanActivity.model_validate({"scheduled_at": at, **fields}),
        )
        done = at + timedelta(days=rng.choice((0, 0, 0, 2)))
        world.do(
            done,
            activities.complete_activity,
            activities.CompleteActivity(
                activity_id=activity_id,
                outcome="meeting_held" if n else "connected",
                duration_minutes=minutes,
                completed_at=done,
            ),
        )
    else:
        outcome = "connected" if KIND[stage] == "call" else "meeting_held"
        world.do(
            at,
            activities.log_activity,
            activities.LogActivity.model_validate(
                {"outcome": outcome, "duration_minutes": minutes, "completed_at": at}
                | fields
            ),
        )


def manager_joins(world: World, deal: Deal, at: datetime) -> None:
    """The team's manager visits for the demo too: another rep, the same
    purpose, within the window: the guard refuses unless overridden."""
    world.do(
        at,
        activities.log_activity,
        activities.LogActivity(
            id=world.id("activity", deal.key, "manager"),
            kind="visit",
            purpose="demo",
            contact_id=deal.contact,
            owner_id=deal.manager,
            department="sales",
            outcome="meeting_held",
            duration_minutes=60,
            completed_at=at,
            override_reason="manager joins the rep's demo to support a large deal",
        ),
    )


def _lost(world: World, rng: random.Random, deal: Deal, at: datetime) -> None:
    world.do(
        at,
        opportunities.lose_opportunity,
        opportunities.LoseOpportunity(
            opportunity_id=deal.id, reason=rng.choice(LOSS_REASONS)
        ),
    )


def _next_call(world: World, rng: random.Random, deal: Deal, last: datetime) -> None:
    """An open deal's next step: a call planned after the year's end (on
    the agenda), or, for one in five, one planned and never held (overdue)."""
    overdue = rng.random() < 0.2
    when = (
        last + timedelta(days=10)
        if overdue
        else world.end + timedelta(days=rng.randint(1, 21), hours=rng.randint(1, 8))
    )
    if when >= world.end and overdue:
        when = world.end + timedelta(days=2)
    world.do(
        min(last + timedelta(days=1), world.end),
        activities.plan_activity,
        activities.PlanActivity(
            id=world.id("activity", deal.key, "next"),
            kind="call",
            purpose=deal.purpose or "negotiation",
            contact_id=deal.contact,
            owner_id=deal.owner,
            department="sales",
            scheduled_at=when,
        ),
    )
