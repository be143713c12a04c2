"""Account commands: open, change details, reassign, move territory, status.

What must hold:
- Web domains are stored as a bare lower-case host (``https://www.Acme.com/x``
  becomes ``acme.com``: ``commands.normalise.WebDomain``).
- An owner, when there is one, is an existing active rep
  (rule ``owner_must_be_active_rep``).
- Opening an account, or changing its address, size or industry, places it
  in a territory by the rules in the same save
  (``commands.territory_assignment``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from commands.application import SalesApplication
from commands.base import (
    Command,
    Context,
    Outcome,
    exists,
    load_for_write,
    repeat_of_creation,
    require_write,
    save,
)
from commands.ids import new_id
from commands.normalise import Name, Text, WebDomain
from commands.reps import ensure_active_rep
from commands.territory_assignment import assign
from domain.account import Account

Territory = Name  # free text, constrained as a name is
Status = Literal["prospect", "active_customer", "former_customer"]
Country = Annotated[str, StringConstraints(pattern="^[A-Za-z]{2}$", to_upper=True)]
Postcode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)]
Employees = Annotated[int, Field(ge=0, le=10_000_000)]
PLACING = frozenset({"industry", "country", "region", "postcode", "employees"})


class OpenAccount(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    name: Name
    web_domain: WebDomain | None = None
    industry: Text | None = None
    territory: Territory | None = None
    owner_id: UUID | None = None
    status: Status = "prospect"
    country: Country | None = None
    region: Name | None = None
    postcode: Postcode | None = None
    employees: Employees | None = None

    def opening(self) -> dict[str, Any]:
        return self.model_dump(exclude={"id", *PLACING - {"industry"}})


class ChangeAccountDetails(Command):
    """Only the fields present change; ``null`` clears an optional field."""

    account_id: UUID
    name: Name | None = None
    web_domain: WebDomain | None = None
    industry: Text | None = None
    country: Country | None = None
    region: Name | None = None
    postcode: Postcode | None = None
    employees: Employees | None = None


class AssignAccountOwner(Command):
    account_id: UUID
    owner_id: UUID | None


class MoveAccountTerritory(Command):
    account_id: UUID
    territory: Territory | None


class ChangeAccountStatus(Command):
    account_id: UUID
    status: Status
    reason: Text | None = None


def open_account(app: SalesApplication, cmd: OpenAccount, ctx: Context) -> Outcome:
    account_id = cmd.id or new_id()
    if (found := exists(app, account_id)) is not None:
        return repeat_of_creation(app, found, Account, cmd.opening())
    require_write(ctx.caller, cmd.owner_id, "an account")
    ensure_active_rep(app, cmd.owner_id)
    account = Account(id=account_id, **cmd.opening())
    account.change_address(
        country=cmd.country, region=cmd.region, postcode=cmd.postcode
    )
    account.change_size(cmd.employees)
    assign(app, account)
    return save(app, ctx, account, created=True)


def change_account_details(
    app: SalesApplication, cmd: ChangeAccountDetails, ctx: Context
) -> Outcome:
    account = load_for_write(app, Account, cmd.account_id, ctx, "an account")
    given = cmd.model_fields_set
    if "name" in given and cmd.name is not None:
        account.rename(cmd.name)
    if "web_domain" in given:
        account.change_web_domain(cmd.web_domain)
    if "industry" in given:
        account.change_industry(cmd.industry)
    address = {"country", "region", "postcode"}
    account.change_address(**cmd.model_dump(include=given & address))
    if "employees" in given:
        account.change_size(cmd.employees)
    if given & PLACING:
        assign(app, account)
    return save(app, ctx, account)


def assign_account_owner(
    app: SalesApplication, cmd: AssignAccountOwner, ctx: Context
) -> Outcome:
    account = load_for_write(app, Account, cmd.account_id, ctx, "an account")
    if cmd.owner_id != account.owner_id:
        ensure_active_rep(app, cmd.owner_id)
    account.assign_owner(cmd.owner_id)
    return save(app, ctx, account)


def move_account_territory(
    app: SalesApplication, cmd: MoveAccountTerritory, ctx: Context
) -> Outcome:
    account = load_for_write(app, Account, cmd.account_id, ctx, "an account")
    account.move_to_territory(cmd.territory)
    return save(app, ctx, account)


def change_account_status(
    app: SalesApplication, cmd: ChangeAccountStatus, ctx: Context
) -> Outcome:
    account = load_for_write(app, Account, cmd.account_id, ctx, "an account")
    account.change_status(cmd.status, cmd.reason)
    return save(app, ctx, account)
