"""Step: a hiring round in the second half of the year: a plan with one
account-executive position per team, spend on two paid sources, and
candidates from four sources moving through the recruiting pipeline:
assessed, then rejected, or offered (one declines), hired and onboarded with
a mentor from the team.

Facts it leaves: ``hiring_plan``, ``candidates``, ``hires``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from commands import candidates as cand
from commands import hiring
from infra.demo.names import FAMILY, GIVEN
from infra.demo.world import World

SOURCES = (
    ("job_board", Decimal(40)),
    ("referral", Decimal(250)),
    ("agency", Decimal(1800)),
    ("university", Decimal(0)),
)
QUALIFICATIONS = (("discovery", "Discovery calls", 3), ("closing", "Closing", 3))
CHECKLIST = ("laptop", "crm_training", "shadow_calls")
CANDIDATES_PER_POSITION = 4


def plan(world: World) -> None:
    plan_id = world.id("hiring-plan")
    positions = tuple(
        hiring.PositionSpec(
            key=f"ae_{t}",
            title="Account Executive",
            team_id=team_id,
            job_description="Own a book of mid-market accounts from first call"
            " to signature.",
            qualifications=tuple(
                hiring.QualificationSpec(key=k, name=n, min_score=m)
                for k, n, m in QUALIFICATIONS
            ),
        )
        for t, team_id in enumerate(world.facts["teams"])
    )
    opened = world.day(190, 9)
    world.do(
        opened,
        hiring.draw_up_plan,
        hiring.DrawUpPlan(
            id=plan_id, name="H2 sales hiring", currency="EUR", positions=positions
        ),
    )
    for days, (source, amount) in ((5, ("job_board", 600)), (9, ("agency", 2500))):
        world.do(
            opened + timedelta(days=days),
            hiring.record_spend,
            hiring.RecordSpend(
                plan_id=plan_id, source=source, amount=Decimal(amount), currency="EUR"
            ),
        )
    world.facts["hiring_plan"] = plan_id
    world.facts["candidates"], world.facts["hires"] = [], []
    for t in range(len(positions)):
        _position(world, plan_id, t, opened)


def _position(world: World, plan_id: UUID, t: int, opened: datetime) -> None:
    rng = world.rng(f"hiring-{t}")
    hired = False
    for n in range(CANDIDATES_PER_POSITION):
        candidate_id = world.id("candidate", t, n)
        source, cost = SOURCES[(t + n) % len(SOURCES)]
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        moment = opened + timedelta(days=10 + 4 * n, hours=rng.randint(0, 6))
        world.do(
            moment,
            cand.apply,
            cand.Apply.model_validate(
                {
                    "id": candidate_id,
                    "plan_id": plan_id,
                    "position_key": f"ae_{t}",
                    "name": f"{given} {family}",
                    "email": f"{given}.{family}.{t}{n}@mail.example".lower(),
                    "source": source,
                    "cost": cost,
                }
            ),
        )
        world.facts["candidates"].append(candidate_id)
        scores = {k: rng.randint(2, 5) for k, _, _ in QUALIFICATIONS}
        _select(world, candidate_id, moment, scores)
        passed = all(scores[k] >= m for k, _, m in QUALIFICATIONS)
        later = moment + timedelta(days=12)
        if not passed or hired:
            world.do(
                later,
                cand.reject,
                cand.RejectCandidate(candidate_id=candidate_id, reason="other fit"),
            )
            continue
        hired = _offer(world, candidate_id, later, declines=(t + n) % 3 == 2)
        if hired:
            world.facts["hires"].append(candidate_id)
            _onboard(world, candidate_id, later, t)


def _select(
    world: World, candidate_id: UUID, moment: datetime, scores: dict[str, int]
) -> None:
    for days, stage in ((2, "recruiting"), (5, "selection")):
        world.do(
            moment + timedelta(days=days),
            cand.move_candidate,
            cand.MoveCandidate(candidate_id=candidate_id, stage=stage),
        )
    for i, (qualification, score) in enumerate(scores.items()):
        world.do(
            moment + timedelta(days=7, hours=i),
            cand.assess,
            cand.Assess(
                candidate_id=candidate_id, qualification=qualification, score=score
            ),
        )


def _offer(world: World, candidate_id: UUID, at: datetime, declines: bool) -> bool:
    """Offers; the candidate accepts (True) or declines (False)."""
    world.do(
        at,
        cand.move_candidate,
        cand.MoveCandidate(candidate_id=candidate_id, stage="hiring"),
    )
    start = (at + timedelta(days=30)).date()
    world.do(
        at + timedelta(hours=2),
        cand.make_offer,
        cand.MakeOffer(
            candidate_id=candidate_id, terms="base + 30 % variable", start_date=start
        ),
    )
    if declines:
        world.do(
            at + timedelta(days=3),
            cand.decline_offer,
            cand.DeclineOffer(candidate_id=candidate_id, reason="counter-offer"),
        )
        return False
    world.do(
        at + timedelta(days=2),
        cand.accept_offer,
        cand.AcceptOffer(candidate_id=candidate_id),
    )
    return True


def _onboard(world: World, candidate_id: UUID, at: datetime, t: int) -> None:
    mentor = world.facts["reps"][t * world.scale.reps_per_team + 1]
    world.do(
        at + timedelta(days=4),
        cand.move_candidate,
        cand.MoveCandidate(candidate_id=candidate_id, stage="assimilation"),
    )
    world.do(
        at + timedelta(days=30),
        cand.assimilate,
        cand.Assimilate(
            candidate_id=candidate_id,
            mentor_id=mentor,
            checklist=CHECKLIST,
            completed=CHECKLIST[:2],
        ),
    )
