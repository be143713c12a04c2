"""Product knowledge commands: write, revise and archive entries.

What must hold:
- An entry is about a product that exists (``unknown_product``, a 422).
- Any writer may write an entry, which is then theirs (its owner is the
  caller's rep, if any); it is changed as other owned records are: by its
  owner, their manager, an admin or a service.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from commands.application import SalesApplication
from commands.base import (
    Command,
    Context,
    Outcome,
    chosen_or_new,
    load_for_write,
    referenced,
    repeat_of_creation,
    save,
)
from commands.normalise import Name
from domain.base import RuleBroken
from domain.knowledge import KnowledgeEntry
from domain.product import Product

Kind = Literal["feature", "objection_handling", "competitor", "note"]
Body = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)
]


class WriteEntry(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    product_id: UUID
    kind: Kind
    title: Name
    body: Body
    competitor: Name | None = None


class ReviseEntry(Command):
    """Only the fields present change; ``competitor: null`` clears it."""

    entry_id: UUID
    kind: Kind | None = None
    title: Name | None = None
    body: Body | None = None
    competitor: Name | None = None


class ArchiveEntry(Command):
    entry_id: UUID


WHAT = "a knowledge entry"


def write_entry(app: SalesApplication, cmd: WriteEntry, ctx: Context) -> Outcome:
    entry_id, found = chosen_or_new(app, cmd.id)
    fields = cmd.model_dump(exclude={"id"})
    if found is not None:
        return repeat_of_creation(app, found, KnowledgeEntry, fields)
    referenced(app, Product, cmd.product_id, "unknown_product")
    owner_id = ctx.caller.rep_id
    entry = KnowledgeEntry.write(entry_id, owner_id=owner_id, **fields)
    return save(app, ctx, entry, created=True)


def revise_entry(app: SalesApplication, cmd: ReviseEntry, ctx: Context) -> Outcome:
    entry = load_for_write(app, KnowledgeEntry, cmd.entry_id, ctx, WHAT)
    given = cmd.model_fields_set - {"entry_id"}
    changes = {k: getattr(cmd, k) for k in given}
    if any(v is None for k, v in changes.items() if k != "competitor"):
        raise RuleBroken("only competitor may be cleared", rule="value_required")
    entry.revise(**changes)
    return save(app, ctx, entry)


def archive_entry(app: SalesApplication, cmd: ArchiveEntry, ctx: Context) -> Outcome:
    entry = load_for_write(app, KnowledgeEntry, cmd.entry_id, ctx, WHAT)
    entry.archive()
    return save(app, ctx, entry)
