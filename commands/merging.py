"""Merge, unmerge and "not a duplicate", for contacts and accounts.

What must hold:
- A merge records ``Merged`` on both records in one transaction; the caller
  may change both (``require_write``).
- Each field of the survivor takes the value chosen in the request
  (``survivor`` or ``duplicate``); unchosen, the most recent non-empty of
  the two values (when each record last set it, from its events; a tie keeps
  the survivor's). Emails and phones default to both records' values
  (survivor's first); a contact is do-not-contact if either was.
- Merging a merged pair again records nothing; unmerge reverses the merge
  from its event (``domain.merging``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from commands.application import SalesApplication
from commands.base import Command, Context, Outcome, load_for_write, load_many, save
from commands.normalise import Text
from domain import account, contact
from domain.account import Account
from domain.base import RuleBroken
from domain.contact import Contact
from domain.merging import Changes, check_pair, plain

Kind = Literal["contact", "account"]
Side = Literal["survivor", "duplicate"]
CLASSES: dict[str, type[Any]] = {"contact": Contact, "account": Account}
FIELDS = {"contact": contact.MERGED_FIELDS, "account": account.MERGED_FIELDS}
UNION = frozenset({"emails", "phones"})
# which fields each event sets (creation events set every field)
EVENT_FIELDS = {
    "Renamed": ("given_name", "family_name", "name"),
    "EmailsChanged": ("emails",),
    "PhonesChanged": ("phones",),
    "TitleChanged": ("title",),
    "AccountChanged": ("account_id",),
    "DepartmentChanged": ("department",),
    "OwnerChanged": ("owner_id",),
    "ConsentChanged": ("do_not_contact",),
    "AddressChanged": ("address",),
    "WebDomainChanged": ("web_domain",),
    "IndustryChanged": ("industry",),
    "TerritoryChanged": ("territory",),
}


class MergeRecords(Command):
    kind: Kind
    survivor_id: UUID
    duplicate_id: UUID
    choose: dict[str, Side] = Field(
        default_factory=dict, description="field -> whose value the survivor keeps"
    )


class UnmergeRecords(Command):
    kind: Kind
    survivor_id: UUID
    duplicate_id: UUID


class MarkNotDuplicate(Command):
    kind: Kind
    record_id: UUID
    other_id: UUID
    reason: Text | None = None


def _pair(
    app: SalesApplication, kind: str, first: UUID, second: UUID, ctx: Context
) -> tuple[Any, Any]:
    cls, what = CLASSES[kind], f"a {kind}"
    loaded = load_many(app, [first, second])
    one = load_for_write(app, cls, first, ctx, what, loaded)
    plain_ctx = Context(ctx.caller, ctx.correlation_id, ctx.causation_id)
    other = load_for_write(app, cls, second, plain_ctx, what, loaded)
    return one, other


def merge_records(app: SalesApplication, cmd: MergeRecords, ctx: Context) -> Outcome:
    survivor, duplicate = _pair(app, cmd.kind, cmd.survivor_id, cmd.duplicate_id, ctx)
    check_pair(survivor, duplicate)
    if duplicate.merged_into == survivor.id:
        return save(app, ctx, survivor)  # merged already: nothing is recorded
    unknown = set(cmd.choose) - set(FIELDS[cmd.kind])
    if unknown:
        msg = f"no field {sorted(unknown)[0]!r} to choose for a {cmd.kind}"
        raise RuleBroken(msg, rule="unknown_merge_field")
    changes = resolve(app, cmd.kind, survivor, duplicate, cmd.choose)
    survivor.absorb(duplicate.id, changes)
    duplicate.become_alias_of(survivor.id)
    return save(app, ctx, survivor, duplicate)


def unmerge_records(
    app: SalesApplication, cmd: UnmergeRecords, ctx: Context
) -> Outcome:
    survivor, duplicate = _pair(app, cmd.kind, cmd.survivor_id, cmd.duplicate_id, ctx)
    survivor.release(duplicate.id)
    duplicate.split_from(survivor.id)
    return save(app, ctx, survivor, duplicate)


def mark_not_duplicate(
    app: SalesApplication, cmd: MarkNotDuplicate, ctx: Context
) -> Outcome:
    record, other = _pair(app, cmd.kind, cmd.record_id, cmd.other_id, ctx)
    record.mark_not_duplicate(other.id, cmd.reason)
    other.mark_not_duplicate(record.id, cmd.reason)
    return save(app, ctx, record, other)


def resolve(
    app: SalesApplication,
    kind: str,
    survivor: Any,
    duplicate: Any,
    choose: Mapping[str, str],
) -> Changes:
    """Each field whose value the survivor changes, as ``[old, new]``."""
    times = (last_set(app, survivor.id), last_set(app, duplicate.id))
    changes: Changes = {}
    for name in FIELDS[kind]:
        mine, theirs = getattr(survivor, name), getattr(duplicate, name)
        if name in choose:
            value = theirs if choose[name] == "duplicate" else mine
        elif name in UNION:
            value = tuple(dict.fromkeys((*mine, *theirs)))
        elif name == "do_not_contact":
            value = bool(mine or theirs)
        else:
            value = _recent(mine, theirs, times[0].get(name), times[1].get(name))
        if plain(value) != plain(mine):
            changes[name] = [mine, value]
    return changes


def _recent(mine: Any, theirs: Any, my_time: Any, their_time: Any) -> Any:
    if theirs in (None, "", (), {}):
        return mine
    if mine in (None, "", (), {}):
        return theirs
    if my_time is not None and their_time is not None and their_time > my_time:
        return theirs
    return mine


def last_set(app: SalesApplication, record_id: UUID) -> dict[str, datetime]:
    """When each field of the record was last set, from its events."""
    times: dict[str, datetime] = {}
    for event in app.events.get(record_id):
        name = type(event).__name__
        if name in ("Registered", "Opened"):
            fields: Any = vars(event)
        elif name == "Merged":
            fields = event.changes  # type: ignore[attr-defined]
        elif name == "Unmerged":
            fields = event.restored  # type: ignore[attr-defined]
        else:
            fields = EVENT_FIELDS.get(name, ())
        for field in fields:
            times[field] = event.timestamp  # type: ignore[attr-defined]
    return times
