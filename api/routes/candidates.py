"""``/candidates``: people applying for a hiring plan's positions, moved
through the recruiting pipeline by managers and admins (who alone read
them: candidates' names are personal data)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ContainerDep
from api.routes.recruiting import Recruiter
from api.schemas.recruiting import (
    AssessmentIn,
    AssimilationIn,
    CandidateIn,
    CandidateOut,
    CandidateReasonIn,
    CandidateStageIn,
    OfferIn,
)
from api.writes import (
    WRITE_ERRORS,
    AdminWriteDep,
    RecruiterWriteDep,
    read_response,
)
from commands import candidates as cmd
from commands.base import Context, load
from domain.candidate import Candidate

router = APIRouter(prefix="/candidates", tags=["recruiting"])
Out = CandidateOut
ONE = "/{candidate_id}"


@router.post("", status_code=201, response_model=Out, responses=WRITE_ERRORS)
def apply(body: CandidateIn, w: RecruiterWriteDep) -> JSONResponse:
    """A candidate for a position of an open plan, with their source and
    its cost; they enter the recruiting pipeline's first stage."""
    return w.run(cmd.apply, cmd.Apply(**body.model_dump()), Out.of)


@router.get(ONE, response_model=Out, responses={404: {}})
def get_candidate(
    candidate_id: UUID, _: Recruiter, container: ContainerDep
) -> JSONResponse:
    found = load(container.app, Candidate, candidate_id, Context.anonymous())
    return read_response(Out.of(found), found.version)


@router.post(ONE + "/stage", response_model=Out, responses=WRITE_ERRORS)
def move(
    candidate_id: UUID, body: CandidateStageIn, w: RecruiterWriteDep
) -> JSONResponse:
    """To any stage of the recruiting pipeline."""
    command = cmd.MoveCandidate(candidate_id=candidate_id, stage=body.stage)
    return w.run(cmd.move_candidate, command, Out.of)


@router.post(ONE + "/assessments", response_model=Out, responses=WRITE_ERRORS)
def assess(
    candidate_id: UUID, body: AssessmentIn, w: RecruiterWriteDep
) -> JSONResponse:
    """Score (1-5) one of the position's qualifications."""
    command = cmd.Assess(candidate_id=candidate_id, **body.model_dump())
    return w.run(cmd.assess, command, Out.of)


@router.post(ONE + "/offer", response_model=Out, responses=WRITE_ERRORS)
def offer(candidate_id: UUID, body: OfferIn, w: RecruiterWriteDep) -> JSONResponse:
    """Only when every qualification is scored at its minimum or above."""
    command = cmd.MakeOffer(candidate_id=candidate_id, **body.model_dump())
    return w.run(cmd.make_offer, command, Out.of)


@router.post(ONE + "/offer/accept", response_model=Out, responses=WRITE_ERRORS)
def accept(candidate_id: UUID, w: RecruiterWriteDep) -> JSONResponse:
    """The candidate is hired."""
    command = cmd.AcceptOffer(candidate_id=candidate_id)
    return w.run(cmd.accept_offer, command, Out.of)


@router.post(ONE + "/offer/decline", response_model=Out, responses=WRITE_ERRORS)
def decline(
    candidate_id: UUID, body: CandidateReasonIn, w: RecruiterWriteDep
) -> JSONResponse:
    command = cmd.DeclineOffer(candidate_id=candidate_id, reason=body.reason)
    return w.run(cmd.decline_offer, command, Out.of)


@router.post(ONE + "/reject", response_model=Out, responses=WRITE_ERRORS)
def reject(
    candidate_id: UUID, body: CandidateReasonIn, w: RecruiterWriteDep
) -> JSONResponse:
    command = cmd.RejectCandidate(candidate_id=candidate_id, reason=body.reason)
    return w.run(cmd.reject, command, Out.of)


@router.post(ONE + "/forget", response_model=Out, responses=WRITE_ERRORS)
def forget(candidate_id: UUID, w: AdminWriteDep) -> JSONResponse:
    """Admins only: erase the candidate's personal data (name, email,
    notes, reasons); the rest of their history stays."""
    command = cmd.ForgetCandidate(candidate_id=candidate_id)
    return w.run(cmd.forget_candidate, command, Out.of)


@router.post(ONE + "/assimilation", response_model=Out, responses=WRITE_ERRORS)
def assimilate(
    candidate_id: UUID, body: AssimilationIn, w: RecruiterWriteDep
) -> JSONResponse:
    """After a hire: start date, mentor, onboarding checklist."""
    fields = body.model_dump(exclude_unset=True)
    command = cmd.Assimilate(candidate_id=candidate_id, **fields)
    return w.run(cmd.assimilate, command, Out.of)
