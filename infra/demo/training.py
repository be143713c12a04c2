"""Step: training and coaching: two programmes, completed by most reps over
the year, and each manager coaching the rep with a corrective action (linked
to it) and one other rep.

Facts it leaves: ``programmes``.
"""

from __future__ import annotations

from commands import training
from infra.demo.world import World

PROGRAMMES = (("Negotiation basics", 8, 40), ("Product deep dive", 4, 120))


def plan(world: World) -> None:
    rng = world.rng("training")
    programmes = []
    for n, (name, hours, day) in enumerate(PROGRAMMES):
        programme_id = world.id("programme", n)
        programmes.append(programme_id)
        world.do(
            world.day(day - 10, 8),
            training.launch_programme,
            training.LaunchProgramme(id=programme_id, name=name, hours=hours),
        )
        for r, rep_id in enumerate(world.facts["reps"]):
            if rng.random() < 0.25:
                continue  # not everyone completes every programme
            completed = world.day(day + r % 20, 17)
            world.do(
                completed,
                training.record_completion,
                training.RecordCompletion(
                    programme_id=programme_id,
                    rep_id=rep_id,
                    completed_on=completed.date(),
                    score=rng.randint(60, 100),
                ),
            )
    world.facts["programmes"] = programmes
    _coaching(world)


def _coaching(world: World) -> None:
    per_team = world.scale.reps_per_team
    for t, manager in enumerate(world.facts["managers"]):
        coached = world.facts["reps"][t * per_team + per_team - 1]
        action = world.id("corrective-action", t)  # management's, opened day 152
        for week in range(4):
            held = world.day(155 + 7 * week, 15)
            world.do(
                held,
                training.log_coaching,
                training.LogCoaching(
                    id=world.id("coaching", t, week),
                    rep_id=coached,
                    manager_id=manager,
                    topic="weekly call review",
                    held_on=held.date(),
                    notes="listened to two calls; agreed next steps",
                    corrective_action_id=action,
                ),
            )
        other = world.facts["reps"][t * per_team + 1]
        held = world.day(230, 15)
        world.do(
            held,
            training.log_coaching,
            training.LogCoaching(
                id=world.id("coaching", t, "pipeline"),
                rep_id=other,
                manager_id=manager,
                topic="pipeline review",
                held_on=held.date(),
            ),
        )
