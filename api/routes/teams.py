"""``/teams``: reps grouped under a manager. Everyone with a token reads;
only admins write. A rep is in at most one team."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.schemas.reps import MemberIn, TeamIn, TeamOut, TeamPatch
from api.writes import WRITE_ERRORS, AdminWriteDep, read_response
from commands import reps as cmd
from commands.base import Context, load
from domain.rep import Team

router = APIRouter(prefix="/teams", tags=["teams"])


@router.post("", status_code=201, response_model=TeamOut, responses=WRITE_ERRORS)
def form_team(body: TeamIn, w: AdminWriteDep) -> JSONResponse:
    """Form a team; its manager must be an active rep."""
    command = cmd.FormTeam(**body.model_dump())
    return w.run(cmd.form_team, command, TeamOut.of)


@router.get("/{team_id}", response_model=TeamOut, responses={404: {}})
def get_team(team_id: UUID, _: Reader, container: ContainerDep) -> JSONResponse:
    """The team as it stands now, from the event store."""
    team = load(container.app, Team, team_id, Context.anonymous())
    return read_response(TeamOut.of(team), team.version)


@router.patch("/{team_id}", response_model=TeamOut, responses=WRITE_ERRORS)
def change_team(team_id: UUID, body: TeamPatch, w: AdminWriteDep) -> JSONResponse:
    """Rename the team or hand it to another manager."""
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ChangeTeamDetails(team_id=team_id, **fields)
    return w.run(cmd.change_team_details, command, TeamOut.of)


@router.post("/{team_id}/members", response_model=TeamOut, responses=WRITE_ERRORS)
def add_member(team_id: UUID, body: MemberIn, w: AdminWriteDep) -> JSONResponse:
    """The rep joins this team, leaving the team they were in (one
    transaction); they must be active (rule ``member_must_be_active_rep``)."""
    command = cmd.AddTeamMember(team_id=team_id, rep_id=body.rep_id)
    return w.run(cmd.add_team_member, command, TeamOut.of)


@router.delete(
    "/{team_id}/members/{rep_id}", response_model=TeamOut, responses=WRITE_ERRORS
)
def remove_member(team_id: UUID, rep_id: UUID, w: AdminWriteDep) -> JSONResponse:
    """The rep leaves the team; removing a non-member records nothing."""
    command = cmd.RemoveTeamMember(team_id=team_id, rep_id=rep_id)
    return w.run(cmd.remove_team_member, command, TeamOut.of)
