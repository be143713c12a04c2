"""``/quotes/{id}/...``: approval of a discount (a manager of the owner),
sending, the customer's acceptance or rejection, revisions; and
``/quote-policy``: the approval threshold (admins change it)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Reader
from api.deps import ContainerDep
from api.schemas.quotes import AcceptIn, QuoteOut, ReasonIn, ThresholdIn
from api.writes import WRITE_ERRORS, AdminWriteDep, WriteDep, read_response
from commands import quote_decisions as cmd
from commands.base import exists
from domain.quote_policy import DEFAULT_THRESHOLD, QUOTE_POLICY_ID

router = APIRouter(tags=["quotes"])
Out = QuoteOut
ONE = "/quotes/{quote_id}"


@router.post(ONE + "/approval-request", response_model=Out, responses=WRITE_ERRORS)
def request_approval(quote_id: UUID, w: WriteDep) -> JSONResponse:
    """Ask a manager to approve a discount above the threshold."""
    command = cmd.RequestApproval(quote_id=quote_id)
    return w.run(cmd.request_approval, command, Out.of)


@router.post(ONE + "/approve", response_model=Out, responses=WRITE_ERRORS)
def approve(quote_id: UUID, w: WriteDep) -> JSONResponse:
    """A manager of the quote's owner (or an admin) approves its discount."""
    command = cmd.ApproveDiscount(quote_id=quote_id)
    return w.run(cmd.approve_discount, command, Out.of)


@router.post(ONE + "/decline", response_model=Out, responses=WRITE_ERRORS)
def decline(quote_id: UUID, body: ReasonIn, w: WriteDep) -> JSONResponse:
    command = cmd.DeclineDiscount(quote_id=quote_id, reason=body.reason)
    return w.run(cmd.decline_discount, command, Out.of)


@router.post(ONE + "/send", response_model=Out, responses=WRITE_ERRORS)
def send(quote_id: UUID, w: WriteDep) -> JSONResponse:
    """Send the revision to the customer; it is recorded as sent."""
    command = cmd.SendQuote(quote_id=quote_id)
    return w.run(cmd.send_quote, command, Out.of)


@router.post(ONE + "/accept", response_model=Out, responses=WRITE_ERRORS)
def accept(quote_id: UUID, body: AcceptIn, w: WriteDep) -> JSONResponse:
    """The customer accepts the revision sent last, by its validity date;
    with ``win_deal`` the deal is won at the accepted net total at once."""
    command = cmd.AcceptQuote(
        quote_id=quote_id, revision=body.revision, win_deal=body.win_deal
    )
    return w.run(cmd.accept_quote, command, Out.of)


@router.post(ONE + "/reject", response_model=Out, responses=WRITE_ERRORS)
def reject(quote_id: UUID, body: ReasonIn, w: WriteDep) -> JSONResponse:
    command = cmd.RejectQuote(quote_id=quote_id, reason=body.reason)
    return w.run(cmd.reject_quote, command, Out.of)


@router.post(ONE + "/revise", response_model=Out, responses=WRITE_ERRORS)
def revise(quote_id: UUID, w: WriteDep) -> JSONResponse:
    """Start the next revision of a sent or rejected quote (a draft again)."""
    command = cmd.ReviseQuote(quote_id=quote_id)
    return w.run(cmd.revise_quote, command, Out.of)


class PolicyOut(BaseModel):
    approval_threshold: Decimal = Field(description="percent; 10 until set")
    version: int = Field(description="0 until set")
    position: int | None = None


def _policy(found: object) -> PolicyOut:
    version = getattr(found, "version", 0)
    limit = getattr(found, "approval_threshold", DEFAULT_THRESHOLD)
    return PolicyOut(approval_threshold=limit, version=version)


@router.get("/quote-policy", response_model=PolicyOut)
def get_policy(_: Reader, container: ContainerDep) -> JSONResponse:
    """The discount above which a manager must approve a quote."""
    found = _policy(exists(container.app, QUOTE_POLICY_ID))
    return read_response(found, found.version)


@router.put("/quote-policy", response_model=PolicyOut, responses=WRITE_ERRORS)
def set_policy(body: ThresholdIn, w: AdminWriteDep) -> JSONResponse:
    """Applies to quotes drafted from now on."""
    command = cmd.SetApprovalThreshold(approval_threshold=body.approval_threshold)
    return w.run(cmd.set_approval_threshold, command, _policy)
