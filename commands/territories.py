"""Territory commands: create, rename or move, set rules, assign accounts
manually, assign reps (owner, overlay).

What must hold:
- Only managers, admins and services change territories (``Forbidden``).
- A name or parent change passes through the ``TerritoryMap`` in the same
  save: names unique, no cycles, parents exist.
- Assigning an account manually takes it out of any other territory's
  manual accounts and places the account there, all in one save;
  releasing it places the account by the rules again.
- Rules and manual accounts are recorded on the territory and on the
  ``TerritoryMap`` in the same save (the map is what placing reads).
- A rep assigned is an active rep.
- Changing rules moves no account: a realignment does
  (``commands.territory_assignment``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field

from commands.application import SalesApplication
from commands.base import (
    Caller,
    Command,
    Context,
    Forbidden,
    Outcome,
    exists,
    load,
    referenced,
    repeat_of_creation,
    save,
)
from commands.ids import new_id
from commands.normalise import Name, Text
from commands.reps import ensure_active_rep
from commands.territory_assignment import candidates, place
from domain.account import Account
from domain.territory import Territory
from domain.territory_map import TERRITORY_MAP_ID, TerritoryMap

EDITORS = ("admin", "manager", "service")
Country = Annotated[str, Field(pattern="^[A-Za-z]{2}$", description="ISO 3166-1")]
Prefix = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[\w -]+$")]
Count = Annotated[int, Field(ge=0, le=10_000_000)]


class Rule(Command):
    """All the criteria given must match (an account meets every one)."""

    name: Annotated[str, Field(pattern=r"^[\w.-]{1,60}$")]
    country: Country | None = None
    region: Name | None = None
    postcode_prefix: Prefix | None = None
    industry: Text | None = None
    min_employees: Count | None = None
    max_employees: Count | None = None

    def stored(self) -> dict[str, Any]:
        found = self.model_dump(exclude_none=True)
        if "country" in found:
            found["country"] = found["country"].upper()
        return found


class CreateTerritory(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    name: Name
    parent_id: UUID | None = None
    rules: list[Rule] = Field(default_factory=list, max_length=200)


class ChangeTerritory(Command):
    """Only the fields present change; ``parent_id: null`` makes it a root."""

    territory_id: UUID
    name: Name | None = None
    parent_id: UUID | None = None


class SetTerritoryRules(Command):
    territory_id: UUID
    rules: list[Rule] = Field(max_length=200)


class AssignTerritoryAccount(Command):
    territory_id: UUID
    account_id: UUID


class ReleaseTerritoryAccount(Command):
    territory_id: UUID
    account_id: UUID


class AssignTerritoryRep(Command):
    territory_id: UUID
    rep_id: UUID
    role: Literal["owner", "overlay"]


class RemoveTerritoryRep(Command):
    territory_id: UUID
    rep_id: UUID


def require_editor(caller: Caller) -> None:
    if not caller.has(*EDITORS):
        raise Forbidden(f"{caller.name} may not change territories")


def the_map(app: SalesApplication) -> TerritoryMap:
    found = exists(app, TERRITORY_MAP_ID)
    return found if isinstance(found, TerritoryMap) else TerritoryMap.start()


def create_territory(
    app: SalesApplication, cmd: CreateTerritory, ctx: Context
) -> Outcome:
    require_editor(ctx.caller)
    territory_id = cmd.id or new_id()
    rules = [r.stored() for r in cmd.rules]
    if (found := exists(app, territory_id)) is not None:
        fields = {"name": cmd.name, "parent_id": cmd.parent_id, "rules": rules}
        return repeat_of_creation(app, found, Territory, fields)
    territory = Territory.create(territory_id, cmd.name, cmd.parent_id, rules)
    tmap = the_map(app)
    tmap.place(territory_id, cmd.name, cmd.parent_id)
    tmap.set_rules(territory_id, territory.rules)
    return save(app, ctx, territory, tmap, created=True)


def _editable(app: SalesApplication, territory_id: UUID, ctx: Context) -> Territory:
    require_editor(ctx.caller)
    return load(app, Territory, territory_id, ctx)


def change_territory(
    app: SalesApplication, cmd: ChangeTerritory, ctx: Context
) -> Outcome:
    territory = _editable(app, cmd.territory_id, ctx)
    given = cmd.model_fields_set
    if "name" in given and cmd.name is not None:
        territory.rename(cmd.name)
    if "parent_id" in given:
        territory.move_under(cmd.parent_id)
    tmap = the_map(app)
    tmap.place(territory.id, territory.name, territory.parent_id)
    return save(app, ctx, territory, tmap)


def set_territory_rules(
    app: SalesApplication, cmd: SetTerritoryRules, ctx: Context
) -> Outcome:
    territory = _editable(app, cmd.territory_id, ctx)
    territory.set_rules([r.stored() for r in cmd.rules])
    tmap = the_map(app)
    tmap.set_rules(territory.id, territory.rules)
    return save(app, ctx, territory, tmap)


def assign_territory_account(
    app: SalesApplication, cmd: AssignTerritoryAccount, ctx: Context
) -> Outcome:
    territory = _editable(app, cmd.territory_id, ctx)
    account = referenced(app, Account, cmd.account_id, "account_must_exist")
    territory.assign_account(account.id)
    tmap = the_map(app)
    others = []
    previous = tmap.manual.get(account.id)
    if previous not in (None, territory.id):
        other = exists(app, previous) if previous else None
        if isinstance(other, Territory):
            other.release_account(account.id)
            others.append(other)
    tmap.pin(account.id, territory.id)
    place(account, candidates(tmap))
    return save(app, ctx, territory, account, tmap, *others)


def release_territory_account(
    app: SalesApplication, cmd: ReleaseTerritoryAccount, ctx: Context
) -> Outcome:
    territory = _editable(app, cmd.territory_id, ctx)
    territory.release_account(cmd.account_id)
    tmap = the_map(app)
    tmap.unpin(cmd.account_id, territory.id)
    account = exists(app, cmd.account_id)
    if not isinstance(account, Account):
        return save(app, ctx, territory, tmap)
    place(account, candidates(tmap))
    return save(app, ctx, territory, account, tmap)


def assign_territory_rep(
    app: SalesApplication, cmd: AssignTerritoryRep, ctx: Context
) -> Outcome:
    territory = _editable(app, cmd.territory_id, ctx)
    ensure_active_rep(app, cmd.rep_id, cmd.role)
    territory.assign_rep(cmd.rep_id, cmd.role)
    return save(app, ctx, territory)


def remove_territory_rep(
    app: SalesApplication, cmd: RemoveTerritoryRep, ctx: Context
) -> Outcome:
    territory = _editable(app, cmd.territory_id, ctx)
    territory.remove_rep(cmd.rep_id)
    return save(app, ctx, territory)
