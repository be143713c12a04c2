"""Step: the year's selling: for each account a first deal opened in the
weeks after the account, told by ``deals.story``; a won account may get an
upsell deal later (its activities have the purpose ``upsell:<product>``).

Facts it leaves: ``deals`` (ids of every deal opened here).
"""

from __future__ import annotations

from datetime import timedelta

from infra.demo.closing import Deal
from infra.demo.deals import story
from infra.demo.world import World


def plan(world: World) -> None:
    rng = world.rng("selling")
    managers = set(world.facts["managers"])
    team_manager = {
        rep: world.facts["managers"][t] for rep, t in world.facts["team_of"].items()
    }
    opened = []
    for n, account in enumerate(world.facts["accounts"]):
        owner = account["owner"]
        manager = None if owner in managers else team_manager[owner]
        deal = Deal(
            key=f"a{n}",
            id=world.id("deal", n),
            account=account["id"],
            contact=rng.choice(account["contacts"]),
            owner=owner,
            opened=world.day(account["day"] + rng.randint(3, 60), 10),
            manager=manager,
        )
        opened.append(deal.id)
        won = story(world, rng, deal, opened=False)
        if won is None or won + timedelta(days=30) >= world.end:
            continue
        upsell = Deal(
            key=f"a{n}u",
            id=world.id("deal", n, "upsell"),
            account=account["id"],
            contact=rng.choice(account["contacts"]),
            owner=owner,
            opened=won + timedelta(days=rng.randint(30, 90)),
            purpose="upsell:fleet analytics",
        )
        if upsell.opened < world.end - timedelta(days=5):
            opened.append(upsell.id)
            story(world, rng, upsell, opened=False)
    world.facts["deals"] = opened
