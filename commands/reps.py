"""Rep and team commands, and the rep look-ups other handlers share.

What must hold:
- Only admins write reps and teams (``Forbidden`` for anyone else).
- Every rep named as an owner, manager or member is an existing, active rep
  (rule ``<role>_must_be_active_rep``, a 422).
- ``Rep.team_id`` and ``Team.member_ids`` always agree, and so do
  ``Team.manager_id`` and ``Rep.managed_team_ids``: every command that
  changes one side changes the other in the same ``save`` (one transaction);
  a rep joining a team leaves the team they were in.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import Field

from commands.application import SalesApplication
from commands.base import (
    Caller,
    Command,
    Context,
    Forbidden,
    Loaded,
    Outcome,
    exists,
    load,
    repeat_of_creation,
    save,
)
from commands.ids import new_id
from commands.normalise import Email, Name, Text
from domain.base import RuleBroken
from domain.rep import Rep, Team


def ensure_active_rep(
    app: SalesApplication,
    rep_id: UUID | None,
    role: str = "owner",
    loaded: Loaded | None = None,
) -> Rep | None:
    """The rep named as ``role`` (``owner``, ``manager``, ``member``, ...),
    which must exist and be active; ``None`` (nobody) is always accepted.
    Other handlers (contacts, opportunities) call this for their owners;
    ``loaded`` holds records already read (``commands.base.load_many``)."""
    return None if rep_id is None else active_rep(app, rep_id, role, loaded)


def active_rep(
    app: SalesApplication,
    rep_id: UUID,
    role: str = "owner",
    loaded: Loaded | None = None,
) -> Rep:
    """The rep ``rep_id``; ``RuleBroken("<role>_must_be_active_rep")`` (a 422)
    unless it exists and is active."""
    found = exists(app, rep_id, loaded)
    if not isinstance(found, Rep) or not found.active:
        msg = f"the {role} must be an active rep; {rep_id} is not"
        raise RuleBroken(msg, rule=f"{role}_must_be_active_rep")
    return found


def team_rep_ids(app: SalesApplication, manager_rep_id: UUID) -> frozenset[UUID]:
    """The members of every team the rep manages (empty if none, or if the
    rep does not exist): what a manager may act for."""
    manager = exists(app, manager_rep_id)
    if not isinstance(manager, Rep):
        return frozenset()
    members: set[UUID] = set()
    for team_id in manager.managed_team_ids:
        team = exists(app, team_id)
        if isinstance(team, Team):
            members.update(team.member_ids)
    return frozenset(members)


def require_admin(caller: Caller, what: str) -> None:
    if not caller.has("admin"):
        raise Forbidden(f"only admins may change {what}")


class RegisterRep(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    name: Name
    email: Email
    manager_id: UUID | None = None
    territory: Name | None = None

    def registration(self) -> dict[str, Any]:
        return self.model_dump(exclude={"id"})


class ChangeRepDetails(Command):
    """Only the fields present change; ``null`` clears an optional field."""

    rep_id: UUID
    name: Name | None = None
    email: Email | None = None
    manager_id: UUID | None = None
    territory: Name | None = None


class DeactivateRep(Command):
    rep_id: UUID
    reason: Text | None = None


class ReactivateRep(Command):
    rep_id: UUID


class FormTeam(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    name: Name
    manager_id: UUID | None = None

    def formation(self) -> dict[str, Any]:
        return self.model_dump(exclude={"id"})


class ChangeTeamDetails(Command):
    """Only the fields present change; ``manager_id: null`` leaves the team
    without a manager."""

    team_id: UUID
    name: Name | None = None
    manager_id: UUID | None = None


class AddTeamMember(Command):
    team_id: UUID
    rep_id: UUID


class RemoveTeamMember(Command):
    team_id: UUID
    rep_id: UUID


def register_rep(app: SalesApplication, cmd: RegisterRep, ctx: Context) -> Outcome:
    require_admin(ctx.caller, "reps")
    rep_id = cmd.id or new_id()
    if (found := exists(app, rep_id)) is not None:
        return repeat_of_creation(app, found, Rep, cmd.registration())
    ensure_active_rep(app, cmd.manager_id, "manager")
    rep = Rep(id=rep_id, **cmd.registration())
    return save(app, ctx, rep, created=True)


def change_rep_details(
    app: SalesApplication, cmd: ChangeRepDetails, ctx: Context
) -> Outcome:
    require_admin(ctx.caller, "reps")
    rep = load(app, Rep, cmd.rep_id, ctx)
    given = cmd.model_fields_set
    if "name" in given and cmd.name is not None:
        rep.rename(cmd.name)
    if "email" in given and cmd.email is not None:
        rep.change_email(cmd.email)
    if "manager_id" in given and cmd.manager_id != rep.manager_id:
        if cmd.manager_id != rep.id:
            ensure_active_rep(app, cmd.manager_id, "manager")
        rep.assign_manager(cmd.manager_id)
    if "territory" in given:
        rep.move_to_territory(cmd.territory)
    return save(app, ctx, rep)


def deactivate_rep(app: SalesApplication, cmd: DeactivateRep, ctx: Context) -> Outcome:
    require_admin(ctx.caller, "reps")
    rep = load(app, Rep, cmd.rep_id, ctx)
    rep.deactivate(cmd.reason)
    return save(app, ctx, rep)


def reactivate_rep(app: SalesApplication, cmd: ReactivateRep, ctx: Context) -> Outcome:
    require_admin(ctx.caller, "reps")
    rep = load(app, Rep, cmd.rep_id, ctx)
    rep.reactivate()
    return save(app, ctx, rep)


def form_team(app: SalesApplication, cmd: FormTeam, ctx: Context) -> Outcome:
    require_admin(ctx.caller, "teams")
    team_id = cmd.id or new_id()
    if (found := exists(app, team_id)) is not None:
        return repeat_of_creation(app, found, Team, cmd.formation())
    manager = ensure_active_rep(app, cmd.manager_id, "manager")
    team = Team(id=team_id, **cmd.formation())
    if manager is None:
        return save(app, ctx, team, created=True)
    manager.start_managing(team.id)
    return save(app, ctx, team, manager, created=True)


def change_team_details(
    app: SalesApplication, cmd: ChangeTeamDetails, ctx: Context
) -> Outcome:
    require_admin(ctx.caller, "teams")
    team = load(app, Team, cmd.team_id, ctx)
    if "name" in cmd.model_fields_set and cmd.name is not None:
        team.rename(cmd.name)
    managers: list[Rep] = []
    if "manager_id" in cmd.model_fields_set and cmd.manager_id != team.manager_id:
        managers = _hand_over(app, team, cmd.manager_id)
    return save(app, ctx, team, *managers)


def _hand_over(app: SalesApplication, team: Team, manager_id: UUID | None) -> list[Rep]:
    """Makes ``manager_id`` the team's manager; the reps whose records change."""
    new = ensure_active_rep(app, manager_id, "manager")
    old = exists(app, team.manager_id) if team.manager_id else None
    team.assign_manager(manager_id)
    changed = []
    if isinstance(old, Rep):
        old.stop_managing(team.id)
        changed.append(old)
    if new is not None:
        new.start_managing(team.id)
        changed.append(new)
    return changed


def add_team_member(app: SalesApplication, cmd: AddTeamMember, ctx: Context) -> Outcome:
    require_admin(ctx.caller, "teams")
    team = load(app, Team, cmd.team_id, ctx)
    if cmd.rep_id in team.member_ids:
        return save(app, ctx, team)  # already a member: records nothing
    rep = active_rep(app, cmd.rep_id, "member")
    previous = exists(app, rep.team_id) if rep.team_id else None
    changed: list[Any] = [rep]
    if isinstance(previous, Team):
        previous.remove_member(rep.id)
        changed.append(previous)
    team.add_member(rep.id)
    rep.join_team(team.id)
    return save(app, ctx, team, *changed)


def remove_team_member(
    app: SalesApplication, cmd: RemoveTeamMember, ctx: Context
) -> Outcome:
    require_admin(ctx.caller, "teams")
    team = load(app, Team, cmd.team_id, ctx)
    if cmd.rep_id not in team.member_ids:
        return save(app, ctx, team)  # not a member: records nothing
    team.remove_member(cmd.rep_id)
    rep = exists(app, cmd.rep_id)
    if isinstance(rep, Rep) and rep.team_id == team.id:
        rep.join_team(None)
        return save(app, ctx, team, rep)
    return save(app, ctx, team)
