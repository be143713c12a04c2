"""``/accounts``: customer organisations."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse, RedirectResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.schemas.accounts import (
    AccountIn,
    AccountOut,
    AccountOwnerIn,
    AccountPatch,
    StatusIn,
    TerritoryIn,
)
from api.writes import WRITE_ERRORS, WriteDep, read_response
from commands import accounts as cmd
from commands.base import Context, load
from domain.account import Account

router = APIRouter(prefix="/accounts", tags=["accounts"])


@router.post("", status_code=201, response_model=AccountOut, responses=WRITE_ERRORS)
def open_account(body: AccountIn, w: WriteDep) -> JSONResponse:
    """Open an account. Sending the same id and body again creates nothing.
    An owner must be an active rep (rule ``owner_must_be_active_rep``)."""
    command = cmd.OpenAccount(**body.model_dump())
    return w.run(cmd.open_account, command, AccountOut.of)


@router.get("/{account_id}", response_model=AccountOut, responses={404: {}, 308: {}})
def get_account(
    account_id: UUID, _: Reader, container: ContainerDep
) -> JSONResponse | RedirectResponse:
    """The account as it stands now, from the event store. An account merged
    into another answers 308 to that one."""
    account = load(container.app, Account, account_id, Context.anonymous())
    if account.merged_into is not None:
        return RedirectResponse(f"/accounts/{account.merged_into}", 308)
    return read_response(AccountOut.of(account), account.version)


@router.patch("/{account_id}", response_model=AccountOut, responses=WRITE_ERRORS)
def change_account(account_id: UUID, body: AccountPatch, w: WriteDep) -> JSONResponse:
    """Change name, web domain or industry; each change is its own event."""
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ChangeAccountDetails(account_id=account_id, **fields)
    return w.run(cmd.change_account_details, command, AccountOut.of)


@router.post("/{account_id}/owner", response_model=AccountOut, responses=WRITE_ERRORS)
def assign_owner(account_id: UUID, body: AccountOwnerIn, w: WriteDep) -> JSONResponse:
    """Reassign the account to another active rep, or to nobody."""
    command = cmd.AssignAccountOwner(account_id=account_id, owner_id=body.owner_id)
    return w.run(cmd.assign_account_owner, command, AccountOut.of)


@router.post(
    "/{account_id}/territory", response_model=AccountOut, responses=WRITE_ERRORS
)
def move_territory(account_id: UUID, body: TerritoryIn, w: WriteDep) -> JSONResponse:
    command = cmd.MoveAccountTerritory(account_id=account_id, territory=body.territory)
    return w.run(cmd.move_account_territory, command, AccountOut.of)


@router.post("/{account_id}/status", response_model=AccountOut, responses=WRITE_ERRORS)
def change_status(account_id: UUID, body: StatusIn, w: WriteDep) -> JSONResponse:
    """Move the status along the allowed transitions (rule
    ``account_status_transition`` otherwise)."""
    command = cmd.ChangeAccountStatus(account_id=account_id, **body.model_dump())
    return w.run(cmd.change_account_status, command, AccountOut.of)
