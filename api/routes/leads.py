"""``/leads``: prospects not yet qualified, from capture to qualification, and
their conversion into a contact, an account and an opportunity."""

from __future__ import annotations

from functools import partial
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.duplicates import probed_duplicates, with_duplicates
from api.schemas.leads import (
    ConvertIn,
    DisqualifyIn,
    LeadCapturedOut,
    LeadConversionOut,
    LeadIn,
    LeadOut,
    LeadOwnerIn,
    LeadPatch,
    ScoreIn,
)
from api.writes import WRITE_ERRORS, AdminWriteDep, WriteDep, read_response
from commands import leads as cmd
from commands import personal_data
from commands.base import Context, load
from commands.lead_conversion import ConvertLead, convert_lead
from domain.lead import Lead
from projections.dedup_query import lead_features

router = APIRouter(prefix="/leads", tags=["leads"])
ONE = "/{lead_id}"


@router.post(
    "", status_code=201, response_model=LeadCapturedOut, responses=WRITE_ERRORS
)
def capture_lead(body: LeadIn, w: WriteDep, container: ContainerDep) -> JSONResponse:
    """Capture a lead. Sending the same id and body again creates nothing.
    The answer lists the contacts and accounts the lead is likely to be
    already (``likely_duplicates``)."""
    command = cmd.CaptureLead(**body.model_dump())
    answer = w.run(cmd.capture_lead, command, LeadOut.of)
    person, company = lead_features(command)
    return with_duplicates(answer, probed_duplicates(container, person, company))


@router.get(ONE, response_model=LeadOut, responses={404: {}})
def get_lead(lead_id: UUID, _: Reader, container: ContainerDep) -> JSONResponse:
    """The lead as it stands now, from the event store."""
    lead = load(container.app, Lead, lead_id, Context.anonymous())
    return read_response(LeadOut.of(lead), lead.version)


@router.patch(ONE, response_model=LeadOut, responses=WRITE_ERRORS)
def change_lead(lead_id: UUID, body: LeadPatch, w: WriteDep) -> JSONResponse:
    """Change person or company details: one event with the old and the new
    value of each field that changed. Not once converted."""
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ChangeLeadDetails(lead_id=lead_id, **fields)
    return w.run(cmd.change_lead_details, command, LeadOut.of)


@router.post(ONE + "/work", response_model=LeadOut, responses=WRITE_ERRORS)
def start_working(lead_id: UUID, w: WriteDep) -> JSONResponse:
    """Start working a new lead, or reopen a disqualified one."""
    command = cmd.StartWorkingOnLead(lead_id=lead_id)
    return w.run(cmd.start_working_on_lead, command, LeadOut.of)


@router.post(ONE + "/qualify", response_model=LeadOut, responses=WRITE_ERRORS)
def qualify(lead_id: UUID, w: WriteDep) -> JSONResponse:
    """A new or working lead is qualified: it may now be converted."""
    command = cmd.QualifyLead(lead_id=lead_id)
    return w.run(cmd.qualify_lead, command, LeadOut.of)


@router.post(ONE + "/disqualify", response_model=LeadOut, responses=WRITE_ERRORS)
def disqualify(lead_id: UUID, body: DisqualifyIn, w: WriteDep) -> JSONResponse:
    command = cmd.DisqualifyLead(lead_id=lead_id, reason=body.reason)
    return w.run(cmd.disqualify_lead, command, LeadOut.of)


@router.post(ONE + "/score", response_model=LeadOut, responses=WRITE_ERRORS)
def change_score(lead_id: UUID, body: ScoreIn, w: WriteDep) -> JSONResponse:
    command = cmd.ChangeLeadScore(lead_id=lead_id, score=body.score)
    return w.run(cmd.change_lead_score, command, LeadOut.of)


@router.post(ONE + "/owner", response_model=LeadOut, responses=WRITE_ERRORS)
def assign_owner(lead_id: UUID, body: LeadOwnerIn, w: WriteDep) -> JSONResponse:
    """Reassign the lead to an active rep, or to nobody."""
    command = cmd.AssignLeadOwner(lead_id=lead_id, owner_id=body.owner_id)
    return w.run(cmd.assign_lead_owner, command, LeadOut.of)


@router.post(
    ONE + "/convert",
    status_code=201,
    response_model=LeadConversionOut,
    responses=WRITE_ERRORS,
)
def convert(lead_id: UUID, body: ConvertIn, w: WriteDep) -> JSONResponse:
    """A qualified lead becomes a contact at an account (existing, or opened
    from its company) and optionally a deal: one transaction, 201. The same
    conversion again records nothing and answers 200; another conversion of
    a converted lead is a 422 (``lead_converted``)."""
    command = ConvertLead(lead_id=lead_id, **body.model_dump())
    return w.run(convert_lead, command, partial(LeadConversionOut.of, app=w.app))


@router.post(ONE + "/forget", response_model=LeadOut, responses=WRITE_ERRORS)
def forget_lead(lead_id: UUID, w: AdminWriteDep) -> JSONResponse:
    """Erase the personal data of a lead that never became a contact (admin
    only): its key is destroyed and ``sfa.lead.forgotten.v1`` recorded; names,
    email, phone, title and reasons then read as erased everywhere, the rest
    of its history stays. A converted lead is forgotten with its contact
    (``POST /contacts/{id}/forget``; here a 422, rule ``forget_the_contact``).
    Forgetting again changes nothing; a forgotten lead changes no more."""
    command = personal_data.ForgetLead(lead_id=lead_id)
    return w.run(personal_data.forget_lead, command, LeadOut.of)
