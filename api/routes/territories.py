"""``/territories``: create, rename or move, rules, manual accounts, reps.
Managers, admins and services write; every role reads."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.schemas.territories import (
    AccountRefIn,
    NewTerritoryIn,
    RulesIn,
    TerritoryOut,
    TerritoryPatch,
    TerritoryRepIn,
)
from api.writes import WRITE_DEPENDENCIES, WRITE_ERRORS, Write, _write, read_response
from commands import territories as cmd
from commands.base import Context, load
from domain.territory import Territory

router = APIRouter(prefix="/territories", tags=["territories"])
EDITORS = frozenset(cmd.EDITORS)
Out = TerritoryOut
ONE = "/{territory_id}"


async def territory_write(request: Request) -> Write:
    """A write only managers, admins and services may make."""
    return _write(request, EDITORS)


WRITE_DEPENDENCIES.add(territory_write)
EditorDep = Annotated[Write, Depends(territory_write)]


@router.post("", status_code=201, response_model=Out, responses=WRITE_ERRORS)
def create_territory(body: NewTerritoryIn, w: EditorDep) -> JSONResponse:
    """A territory, under a parent or as a root, with its rules. Names are
    unique (``territory_name_taken``); the parent exists
    (``unknown_parent``). Rules move no account until a realignment."""
    command = cmd.CreateTerritory(**body.model_dump())
    return w.run(cmd.create_territory, command, Out.of)


@router.get(ONE, response_model=Out, responses={404: {}})
def get_territory(
    territory_id: UUID, _: Reader, container: ContainerDep
) -> JSONResponse:
    """The territory as it stands now, from the event store."""
    found = load(container.app, Territory, territory_id, Context.anonymous())
    return read_response(Out.of(found), found.version)


@router.patch(ONE, response_model=Out, responses=WRITE_ERRORS)
def change_territory(
    territory_id: UUID, body: TerritoryPatch, w: EditorDep
) -> JSONResponse:
    """Rename, or move under another parent; a move that would make a cycle
    is refused (``territory_cycle``)."""
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ChangeTerritory(territory_id=territory_id, **fields)
    return w.run(cmd.change_territory, command, Out.of)


@router.put(ONE + "/rules", response_model=Out, responses=WRITE_ERRORS)
def set_rules(territory_id: UUID, body: RulesIn, w: EditorDep) -> JSONResponse:
    """Replace the rules. Accounts move when a realignment is applied
    (``POST /territories/realign``)."""
    command = cmd.SetTerritoryRules(territory_id=territory_id, rules=body.rules)
    return w.run(cmd.set_territory_rules, command, Out.of)


@router.post(ONE + "/accounts", response_model=Out, responses=WRITE_ERRORS)
def assign_account(
    territory_id: UUID, body: AccountRefIn, w: EditorDep
) -> JSONResponse:
    """Assign an account by hand: it wins over every rule, leaves any other
    territory's manual list, and moves now (rule ``manual``)."""
    command = cmd.AssignTerritoryAccount(
        territory_id=territory_id, account_id=body.account_id
    )
    return w.run(cmd.assign_territory_account, command, Out.of)


@router.delete(
    ONE + "/accounts/{account_id}", response_model=Out, responses=WRITE_ERRORS
)
def release_account(territory_id: UUID, account_id: UUID, w: EditorDep) -> JSONResponse:
    """Undo a manual assignment: the rules place the account again."""
    command = cmd.ReleaseTerritoryAccount(
        territory_id=territory_id, account_id=account_id
    )
    return w.run(cmd.release_territory_account, command, Out.of)


@router.post(ONE + "/reps", response_model=Out, responses=WRITE_ERRORS)
def assign_rep(territory_id: UUID, body: TerritoryRepIn, w: EditorDep) -> JSONResponse:
    """An active rep as ``owner`` (one per territory: ``territory_has_owner``)
    or ``overlay`` (any number)."""
    command = cmd.AssignTerritoryRep(territory_id=territory_id, **body.model_dump())
    return w.run(cmd.assign_territory_rep, command, Out.of)


@router.delete(ONE + "/reps/{rep_id}", response_model=Out, responses=WRITE_ERRORS)
def remove_rep(territory_id: UUID, rep_id: UUID, w: EditorDep) -> JSONResponse:
    command = cmd.RemoveTerritoryRep(territory_id=territory_id, rep_id=rep_id)
    return w.run(cmd.remove_territory_rep, command, Out.of)
