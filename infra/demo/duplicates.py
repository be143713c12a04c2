"""Step: the duplicates a real CRM collects: the same person registered
twice by two departments (a nickname, a transposed letter), one pair merged
by the owner, one pair marked "not a duplicate" (two people sharing a
mailbox), and one left for the dedup list.

Facts it leaves: ``duplicates`` (pairs of contact ids).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from commands import contacts, merging
from infra.demo.world import World

# (first record, second record, shared email local part, what happens)
PAIRS = (
    (("Jonathan", "Miller"), ("Jon", "Miller"), "j.miller", "merge"),
    (("Petra", "Schmidt"), ("Peter", "Schmidt"), "info", "not_duplicate"),
    (("Marie", "Dubois"), ("Marie", "Duobis"), "m.dubois", None),
)


def plan(world: World) -> None:
    pairs = []
    for n, (first, second, mailbox, fate) in enumerate(PAIRS):
        account = world.facts["accounts"][n % len(world.facts["accounts"])]
        at = world.day(account["day"] + 30 + n, 10)
        ids = []
        for k, ((given, family), department) in enumerate(
            ((first, "sales"), (second, "support"))
        ):
            contact_id = world.id("duplicate", n, k)
            ids.append(contact_id)
            world.do(
                at + timedelta(days=14 * k),
                contacts.register_contact,
                contacts.RegisterContact(
                    id=contact_id,
                    given_name=given,
                    family_name=family,
                    emails=(f"{mailbox}@dup{n}.example",),
                    account_id=account["id"],
                    owner_id=account["owner"],
                    department=department,
                ),
            )
        pairs.append(tuple(ids))
        _decide(world, fate, ids, at + timedelta(days=20))
    world.facts["duplicates"] = pairs


def _decide(world: World, fate: str | None, ids: list[UUID], at: datetime) -> None:
    if fate == "merge":
        world.do(
            at,
            merging.merge_records,
            merging.MergeRecords(
                kind="contact", survivor_id=ids[0], duplicate_id=ids[1]
            ),
        )
    elif fate == "not_duplicate":
        world.do(
            at,
            merging.mark_not_duplicate,
            merging.MarkNotDuplicate(
                kind="contact",
                record_id=ids[0],
                other_id=ids[1],
                reason="two people share the office mailbox",
            ),
        )
