"""Step: the organisation: territories with rules by country, reps, teams
with their managers, and the reps' places in the territories.

Facts it leaves: ``reps`` (rep ids, team by team), ``teams``, ``managers``,
``territories`` (id, name, countries), ``team_of`` (rep -> team index).
"""

from __future__ import annotations

from commands import reps, territories
from infra.demo.names import FAMILY, GIVEN, TERRITORIES
from infra.demo.world import World


def plan(world: World) -> None:
    rng = world.rng("org")
    region_id = world.id("territory", "europe")
    world.do(
        world.day(0, 7),
        territories.create_territory,
        territories.CreateTerritory(id=region_id, name="Europe"),
    )
    teams, all_reps, team_of, placed = [], [], {}, []
    for t in range(world.scale.teams):
        name, countries = TERRITORIES[t % len(TERRITORIES)]
        name = name if t < len(TERRITORIES) else f"{name} {t // len(TERRITORIES)}"
        territory_id = world.id("territory", t)
        rules = [
            territories.Rule(name=f"country-{c.lower()}", country=c) for c in countries
        ]
        world.do(
            world.day(0, 7),
            territories.create_territory,
            territories.CreateTerritory(
                id=territory_id, name=name, parent_id=region_id, rules=rules
            ),
        )
        placed.append((territory_id, name, countries))
        members = []
        for r in range(world.scale.reps_per_team):
            rep_id = world.id("rep", t, r)
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            email = f"{given}.{family}.{t}{r}@demo.sfa.dev".lower()
            world.do(
                world.day(0, 7, 10),
                reps.register_rep,
                reps.RegisterRep(
                    id=rep_id,
                    name=f"{given} {family}",
                    email=email,
                    territory=name,
                ),
            )
            members.append(rep_id)
            team_of[rep_id] = t
        team_id = world.id("team", t)
        world.do(
            world.day(0, 7, 20),
            reps.form_team,
            reps.FormTeam(id=team_id, name=f"Team {name}", manager_id=members[0]),
        )
        for rep_id in members:
            world.do(
                world.day(0, 7, 30),
                reps.add_team_member,
                reps.AddTeamMember(team_id=team_id, rep_id=rep_id),
            )
        for i, rep_id in enumerate(members):
            world.do(
                world.day(0, 7, 40),
                territories.assign_territory_rep,
                territories.AssignTerritoryRep(
                    territory_id=territory_id,
                    rep_id=rep_id,
                    role="owner" if i == 0 else "overlay",
                ),
            )
        teams.append(team_id)
        all_reps += members
    world.facts |= {
        "reps": all_reps,
        "teams": teams,
        "team_of": team_of,
        "territories": placed,
        "managers": [
            all_reps[t * world.scale.reps_per_team] for t in range(world.scale.teams)
        ],
    }
