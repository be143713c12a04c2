"""Step: two purchased lead lists (a trade fair's visitors, bought early in
the year, and customers of a related product, mid-year), imported as
``sfa leads import`` would, 200 rows per transaction; then the leads are
worked: some qualified and converted into an account, a contact and a
deal (told by ``deals.story``), some disqualified, the rest left new.

Facts it leaves: ``leads`` (ids of the imported leads).
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from commands import lead_conversion, lead_import, leads
from commands.application import SalesApplication
from commands.base import Context
from domain.lead_list import lead_list_id_for, row_lead_id
from infra.demo.closing import Deal
from infra.demo.deals import story
from infra.demo.names import COMPANY_HEAD, COMPANY_TAIL, FAMILY, GIVEN, TITLES
from infra.demo.world import Action, World

MAPPING = {
    "First Name": "given_name",
    "Last Name": "family_name",
    "Email": "email",
    "Company": "company_name",
    "Website": "web_domain",
    "Title": "title",
    "Score": "score",
}
LISTS = (
    (
        "Fleet Expo visitors",
        {"kind": "purchased_list", "cost_per_lead": "4.50", "currency": "EUR"},
        40,
    ),
    (
        "Legacy Tracker customers",
        {"kind": "related_product_customer", "product": "Legacy Tracker"},
        150,
    ),
)


def plan(world: World) -> None:
    rng = world.rng("leads")
    reps = world.facts["reps"]
    imported = []
    for n, (name, source, day) in enumerate(LISTS):
        rows = [_row(rng, n, r) for r in range(world.scale.leads_per_list)]
        rows[len(rows) // 2]["Email"] = "not an address"  # purchased data has flaws
        owner = reps[n % len(reps)]
        command = lead_import.RegisterLeadList.model_validate(
            {"name": name, "source": source, "mapping": MAPPING}
        )
        world.at(world.day(day, 7), f"import {name}", _importer(command, rows, owner))
        list_id = lead_list_id_for(name)
        for r in range(len(rows)):
            if rows[r]["Email"] == "not an address":
                continue  # rejected at import, so never worked
            lead_id = row_lead_id(list_id, r + 1)
            imported.append(lead_id)
            _work(world, rng, lead_id, owner, day, f"l{n}r{r}")
    world.facts["leads"] = imported


def _row(rng: random.Random, n: int, r: int) -> dict[str, str]:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    company = f"{rng.choice(COMPANY_HEAD)} {rng.choice(COMPANY_TAIL)} L{n}{r}"
    domain = company.lower().replace(" ", "-") + ".example"
    return {
        "First Name": given,
        "Last Name": family,
        "Email": f"{given}.{family}@{domain}".lower(),
        "Company": company,
        "Website": domain,
        "Title": rng.choice(TITLES),
        "Score": str(rng.randint(5, 95)),
    }


def _importer(
    command: lead_import.RegisterLeadList, rows: list[dict[str, str]], owner: UUID
) -> Action:
    def action(app: SalesApplication, ctx: Context) -> object:
        return lead_import.import_rows(app, ctx, command, rows, owner)

    return action


def _work(
    world: World, rng: random.Random, lead_id: UUID, owner: UUID, day: int, key: str
) -> None:
    """One lead's fate after the import."""
    if rng.random() < 0.35:
        return  # still new
    start = world.day(day + rng.randint(2, 20), 9)
    world.do(
        start, leads.start_working_on_lead, leads.StartWorkingOnLead(lead_id=lead_id)
    )
    decided = start + timedelta(days=rng.randint(3, 25))
    roll = rng.random()
    if roll < 0.35:
        world.do(
            decided,
            leads.disqualify_lead,
            leads.DisqualifyLead(lead_id=lead_id, reason="no fleet of their own"),
        )
        return
    if roll > 0.6 or decided >= world.end:
        return  # still being worked
    world.do(decided, leads.qualify_lead, leads.QualifyLead(lead_id=lead_id))
    if rng.random() < 0.3:
        return
    _convert(world, rng, lead_id, owner, decided + timedelta(days=2), key)


def _convert(
    world: World, rng: random.Random, lead_id: UUID, owner: UUID, at: object, key: str
) -> None:
    from datetime import datetime

    assert isinstance(at, datetime)
    if at >= world.end:
        return
    deal = Deal(
        key=key,
        id=world.id("deal", key),
        account=world.id("account", key),
        contact=world.id("contact", key),
        owner=owner,
        opened=at,
    )
    world.do(
        at,
        lead_conversion.convert_lead,
        lead_conversion.ConvertLead(
            lead_id=lead_id,
            new_account_id=deal.account,
            contact_id=deal.contact,
            create_opportunity=True,
            opportunity_id=deal.id,
            opportunity_name=f"Fleet rollout {key}",
            amount=Decimal(20000),
            currency="EUR",
            expected_close_date=(at + timedelta(days=90)).date(),
        ),
    )
    story(world, rng, deal, opened=True)
