"""Quote decisions: approval of a discount, sending, the customer's answer,
revisions, and the approval threshold.

What must hold:
- Only a manager of the quote's owner (or an admin) approves or declines a
  discount; a rep never approves, not even their own quote
  (``Forbidden``).
- Sending, the customer's acceptance and rejection, and revising are done
  by whoever may change the quote's owner's records (a service may record
  the customer's answer from a portal). The day is today's in UTC. A quote
  of a lost deal is not accepted.
- Only admins change the approval threshold; it applies to quotes drafted
  after the change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from commands.application import SalesApplication
from commands.base import (
    Command,
    Context,
    Forbidden,
    Outcome,
    exists,
    load_for_write,
    save,
)
from commands.normalise import Text
from commands.quotes import Percent, load_quote, today
from commands.reps import require_admin
from domain.base import check
from domain.opportunity import LOST, Opportunity
from domain.quote_policy import QUOTE_POLICY_ID, QuotePolicy

Reason = Annotated[Text, StringConstraints(min_length=1)]


class QuoteCommand(Command):
    quote_id: UUID


class RequestApproval(QuoteCommand):
    pass


class ApproveDiscount(QuoteCommand):
    pass


class DeclineDiscount(QuoteCommand):
    reason: Reason


class SendQuote(QuoteCommand):
    pass


class AcceptQuote(QuoteCommand):
    revision: int = Field(ge=1, description="the revision the customer accepts")
    win_deal: bool = Field(
        default=False,
        description="also win the deal, at the accepted net total, at once",
    )


class RejectQuote(QuoteCommand):
    reason: Reason


class ReviseQuote(QuoteCommand):
    pass


class SetApprovalThreshold(Command):
    approval_threshold: Percent


def request_approval(
    app: SalesApplication, cmd: RequestApproval, ctx: Context
) -> Outcome:
    quote = load_quote(app, cmd.quote_id, ctx)
    quote.request_approval()
    return save(app, ctx, quote)


def _require_approver(ctx: Context, owner_id: UUID | None) -> None:
    caller = ctx.caller
    if caller.has("admin"):
        return
    if caller.has("manager") and owner_id in caller.team_rep_ids:
        return
    raise Forbidden(f"{caller.name} may not approve: a manager of the owner may")


def approve_discount(
    app: SalesApplication, cmd: ApproveDiscount, ctx: Context
) -> Outcome:
    quote = load_quote(app, cmd.quote_id, ctx)
    _require_approver(ctx, quote.owner_id)
    quote.approve()
    return save(app, ctx, quote)


def decline_discount(
    app: SalesApplication, cmd: DeclineDiscount, ctx: Context
) -> Outcome:
    quote = load_quote(app, cmd.quote_id, ctx)
    _require_approver(ctx, quote.owner_id)
    quote.decline(cmd.reason)
    return save(app, ctx, quote)


def send_quote(app: SalesApplication, cmd: SendQuote, ctx: Context) -> Outcome:
    quote = load_quote(app, cmd.quote_id, ctx)
    quote.send(today())
    return save(app, ctx, quote)


def accept_quote(app: SalesApplication, cmd: AcceptQuote, ctx: Context) -> Outcome:
    """Not on a lost deal (``opportunity_lost``): reopen it first. With
    ``win_deal`` the deal, if still open, takes the accepted net total as its
    amount and is won, in the same transaction (by whoever may change it)."""
    quote = load_quote(app, cmd.quote_id, ctx)
    deal = exists(app, quote.opportunity_id)
    lost = isinstance(deal, Opportunity) and deal.status == LOST
    check(not lost, "opportunity_lost", "the deal is lost; reopen it first")
    quote.accept(cmd.revision, today())
    if not cmd.win_deal:
        return save(app, ctx, quote)
    plain_ctx = Context(ctx.caller, ctx.correlation_id, ctx.causation_id)
    what = "the quote's deal"
    won = load_for_write(app, Opportunity, quote.opportunity_id, plain_ctx, what)
    if won.is_open:
        won.change_amount(quote.totals.net, quote.currency)
        won.win()
    return save(app, ctx, quote, won)


def reject_quote(app: SalesApplication, cmd: RejectQuote, ctx: Context) -> Outcome:
    quote = load_quote(app, cmd.quote_id, ctx)
    quote.reject(cmd.reason)
    return save(app, ctx, quote)


def revise_quote(app: SalesApplication, cmd: ReviseQuote, ctx: Context) -> Outcome:
    quote = load_quote(app, cmd.quote_id, ctx)
    quote.revise()
    return save(app, ctx, quote)


def set_approval_threshold(
    app: SalesApplication, cmd: SetApprovalThreshold, ctx: Context
) -> Outcome:
    require_admin(ctx.caller, "the quote policy")
    policy = exists(app, QUOTE_POLICY_ID)
    percent = Decimal(cmd.approval_threshold)
    if isinstance(policy, QuotePolicy):
        policy.change_threshold(percent)
        return save(app, ctx, policy)
    return save(app, ctx, QuotePolicy.record(percent), created=True)
