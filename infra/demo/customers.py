"""Step: accounts in each rep's territory (placed there by the territory
rules) and two or three contacts at each, opened over the first months;
one contact in twelve has asked not to be contacted.

Facts it leaves: ``accounts`` (list of dicts: id, owner, contacts that may
be contacted, opened day).
"""

from __future__ import annotations

import random
from uuid import UUID

from commands import accounts, contacts
from infra.demo.names import (
    COMPANY_HEAD,
    COMPANY_TAIL,
    FAMILY,
    GIVEN,
    INDUSTRIES,
    TITLES,
)
from infra.demo.world import World


def plan(world: World) -> None:
    rng = world.rng("customers")
    found = []
    countries = {t: c for t, (_, _, c) in enumerate(world.facts["territories"])}
    for n, owner in enumerate(world.facts["reps"]):
        team = world.facts["team_of"][owner]
        for a in range(world.scale.accounts_per_rep):
            key = n * world.scale.accounts_per_rep + a
            account_id = world.id("account", key)
            day = rng.randrange(0, 120)
            name = f"{rng.choice(COMPANY_HEAD)} {rng.choice(COMPANY_TAIL)} {key}"
            domain = name.lower().replace(" ", "-") + ".example"
            command = accounts.OpenAccount(
                id=account_id,
                name=name,
                web_domain=domain,
                industry=rng.choice(INDUSTRIES),
                owner_id=owner,
                country=rng.choice(countries[team]),
                postcode=f"{rng.randrange(10000, 99999)}",
                employees=rng.choice((40, 120, 450, 1200, 5000)),
            )
            world.do(world.day(day, 8), accounts.open_account, command)
            reachable = _contacts(world, rng, key, account_id, owner, day, domain)
            found.append(
                {"id": account_id, "owner": owner, "contacts": reachable, "day": day}
            )
    world.facts["accounts"] = found


def _contacts(
    world: World,
    rng: random.Random,
    key: int,
    account_id: UUID,
    owner: UUID,
    day: int,
    domain: str,
) -> list[UUID]:
    """Registers the account's contacts; those that may be contacted."""
    reachable = []
    for c in range(rng.choice((2, 2, 3))):
        contact_id = world.id("contact", key, c)
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        refuses = rng.random() < 1 / 12 and c > 0
        command = contacts.RegisterContact(
            id=contact_id,
            given_name=given,
            family_name=family,
            emails=(f"{given}.{family}@{domain}".lower(),),
            phones=(f"+4930{rng.randrange(1000000, 9999999)}",),
            title=rng.choice(TITLES),
            account_id=account_id,
            owner_id=owner,
            department="purchasing" if c else "management",
            do_not_contact=refuses,
        )
        world.do(world.day(day, 8, 5 + c), contacts.register_contact, command)
        if not refuses:
            reachable.append(contact_id)
    return reachable
