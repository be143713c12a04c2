"""Quote commands on in-memory persistence: drafting from a deal, priced
lines, the approval threshold, sending, revisions and the customer's
answer; and random quote lifecycles checked against a simple model."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from commands import configurations as conf
from commands import opportunities, products
from commands import quote_decisions as dec
from commands import quotes as cmd
from commands.base import Caller, Forbidden
from domain.base import RuleBroken, public_type
from domain.quote import Quote
from tests.unit.helpers import event_names, events_of, rep, run
from tests.unit.test_opportunity import open_deal, world
from tests.unit.test_product import configured

SOON = date.today() + timedelta(days=30)
OWNER = uuid4()
ANN = Caller("ann", frozenset({"rep"}), OWNER)
MEG = Caller("meg", frozenset({"manager"}), uuid4(), frozenset({OWNER}))


class Shop:
    """A deal owned by ``OWNER`` with one configured line, and a product."""

    def __init__(self) -> None:
        from tests.unit.helpers import registered_rep

        self.app, account = world()
        registered_rep(self.app, OWNER)
        self.product = configured(self.app)
        self.deal = open_deal(self.app, account, owner_id=OWNER)
        made = conf.ConfigureProduct(product_id=self.product, selection=["red"])
        self.config = run(self.app, conf.configure_product, made).aggregate.id
        line = conf.AddConfiguredLine(
            opportunity_id=self.deal, configuration_id=self.config, quantity=Decimal(2)
        )
        run(self.app, conf.add_configured_line, line)

    def draft(self, **fields: Any) -> UUID:
        values = {"opportunity_id": self.deal, "valid_until": SOON} | fields
        command = cmd.DraftQuote.model_validate(values)
        return UUID(str(run(self.app, cmd.draft_quote, command, ANN).aggregate.id))

    def do(self, handler: Any, command: Any, caller: Caller = ANN) -> Quote:
        found: Quote = run(self.app, handler, command, caller).aggregate
        return found

    def add(self, quote_id: UUID, discount: str = "0", **source: Any) -> Quote:
        values = {"quote_id": quote_id, "quantity": 1, "discount_percent": discount}
        command = cmd.AddQuoteLine.model_validate(
            values | (source or {"product_id": self.product})
        )
        return self.do(cmd.add_quote_line, command)

    def refused(
        self, handler: Any, command: Any, expected: str, caller: Caller = ANN
    ) -> None:
        head = self.app.recorder.max_notification_id()
        with pytest.raises(RuleBroken) as error:
            run(self.app, handler, command, caller)
        assert error.value.rule == expected
        assert self.app.recorder.max_notification_id() == head


def quote_of(shop: Shop, quote_id: UUID) -> Quote:
    found: Quote = shop.app.repository.get(quote_id)
    return found


class TestDraftQuote:
    def test_from_the_deal_with_its_lines_and_the_threshold(self) -> None:
        shop = Shop()
        quote = quote_of(shop, shop.draft())
        (event,) = events_of(shop.app, quote.id)
        assert public_type(type(event)) == "sfa.quote.drafted.v1"
        assert (event.currency, event.owner_id, event.approval_threshold) == (
            "EUR",
            OWNER,
            Decimal(10),
        )
        (line,) = quote.lines
        assert (line.unit_price, line.quantity, line.configuration_id) == (
            Decimal(30500),
            Decimal(2),
            shop.config,
        )
        empty = quote_of(shop, shop.draft(copy_lines=False))
        assert empty.lines == ()

    def test_refused_for_a_closed_deal_or_another_reps(self) -> None:
        shop = Shop()
        with pytest.raises(Forbidden):
            run(
                shop.app,
                cmd.draft_quote,
                cmd.DraftQuote(opportunity_id=shop.deal, valid_until=SOON),
                rep(),
            )
        run(
            shop.app,
            opportunities.win_opportunity,
            opportunities.WinOpportunity(opportunity_id=shop.deal),
        )
        command = cmd.DraftQuote(opportunity_id=shop.deal, valid_until=SOON)
        shop.refused(cmd.draft_quote, command, "opportunity_closed")

    def test_the_threshold_is_the_one_in_force_when_drafted(self) -> None:
        shop = Shop()
        before = shop.draft()
        policy = dec.SetApprovalThreshold(approval_threshold=Decimal(25))
        with pytest.raises(Forbidden):
            run(shop.app, dec.set_approval_threshold, policy, MEG)
        run(shop.app, dec.set_approval_threshold, policy)
        after = shop.draft()
        assert quote_of(shop, before).approval_threshold == 10
        assert quote_of(shop, after).approval_threshold == 25


class TestQuoteLines:
    def test_a_product_at_its_list_price_now(self) -> None:
        shop = Shop()
        quote_id = shop.draft(copy_lines=False)
        price = products.ChangeListPrice(
            product_id=shop.product, list_price=Decimal(100)
        )
        run(shop.app, products.change_list_price, price)
        quote = shop.add(quote_id, "7.5")
        (line,) = quote.lines
        assert (line.unit_price, line.gross, line.net) == (
            Decimal(100),
            Decimal(100),
            Decimal("92.5"),
        )
        assert quote.totals.discount_percent == Decimal("7.5")

    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ({"product_id": uuid4()}, "unknown_product"),
            ({"configuration_id": uuid4()}, "unknown_configuration"),
        ],
    )
    def test_unknown_sources(self, source: dict[str, Any], expected: str) -> None:
        shop = Shop()
        quote_id = shop.draft()
        command = cmd.AddQuoteLine.model_validate(
            {"quote_id": quote_id, "quantity": 1, **source}
        )
        shop.refused(cmd.add_quote_line, command, expected)

    def test_another_currency_or_a_retired_product_is_refused(self) -> None:
        shop = Shop()
        quote_id = shop.draft()
        add = cmd.AddQuoteLine(
            quote_id=quote_id, product_id=shop.product, quantity=Decimal(1)
        )
        price = products.ChangeListPrice(
            product_id=shop.product, list_price=Decimal(1), currency="USD"
        )
        run(shop.app, products.change_list_price, price)
        shop.refused(cmd.add_quote_line, add, "currency_mismatch")
        retire = products.RetireProduct(product_id=shop.product, reason="old")
        run(shop.app, products.retire_product, retire)
        shop.refused(cmd.add_quote_line, add, "product_retired")

    def test_exactly_one_source(self) -> None:
        with pytest.raises(ValueError):
            cmd.AddQuoteLine(quote_id=uuid4(), quantity=Decimal(1))


class TestApprovalAndSending:
    def test_a_discount_above_the_threshold_needs_a_manager(self) -> None:
        shop = Shop()
        quote_id = shop.draft()
        quote = shop.add(quote_id, "50")  # 15000 off 91000: 16.48 %
        assert quote.needs_approval
        send = dec.SendQuote(quote_id=quote_id)
        shop.refused(dec.send_quote, send, "approval_required")
        shop.do(dec.request_approval, dec.RequestApproval(quote_id=quote_id))
        approve = dec.ApproveDiscount(quote_id=quote_id)
        with pytest.raises(Forbidden):
            run(shop.app, dec.approve_discount, approve, ANN)
        approved = shop.do(dec.approve_discount, approve, MEG)
        assert approved.approved_discount == Decimal("16.4835")
        sent = shop.do(dec.send_quote, send)
        assert sent.status == "sent" and sent.sent[1]["net"] == Decimal(76000)

    def test_a_line_change_withdraws_the_approval(self) -> None:
        shop = Shop()
        quote_id = shop.draft()
        line_id = shop.add(quote_id, "50").lines[-1].line_id
        shop.do(dec.request_approval, dec.RequestApproval(quote_id=quote_id))
        shop.do(dec.approve_discount, dec.ApproveDiscount(quote_id=quote_id), MEG)
        change = cmd.ChangeQuoteLine(
            quote_id=quote_id, line_id=line_id, quantity=Decimal(2)
        )
        assert shop.do(cmd.change_quote_line, change).needs_approval
        shop.refused(
            dec.send_quote, dec.SendQuote(quote_id=quote_id), "approval_required"
        )

    def test_within_the_threshold_no_approval_is_asked(self) -> None:
        shop = Shop()
        quote_id = shop.draft()
        request = dec.RequestApproval(quote_id=quote_id)
        shop.refused(dec.request_approval, request, "approval_not_needed")

    def test_an_empty_quote_or_a_passed_date_is_not_sent(self) -> None:
        shop = Shop()
        empty = shop.draft(copy_lines=False)
        shop.refused(dec.send_quote, dec.SendQuote(quote_id=empty), "quote_empty")
        late = shop.draft(valid_until=date.today() - timedelta(days=1))
        shop.refused(dec.send_quote, dec.SendQuote(quote_id=late), "validity_passed")


class TestCustomerAnswer:
    def test_revisions_are_kept_and_the_last_one_is_accepted(self) -> None:
        shop = Shop()
        quote_id = shop.draft()
        shop.do(dec.send_quote, dec.SendQuote(quote_id=quote_id))
        shop.do(dec.reject_quote, dec.RejectQuote(quote_id=quote_id, reason="price"))
        shop.do(dec.revise_quote, dec.ReviseQuote(quote_id=quote_id))
        shop.add(quote_id, "5")
        shop.do(dec.send_quote, dec.SendQuote(quote_id=quote_id))
        old = dec.AcceptQuote(quote_id=quote_id, revision=1)
        shop.refused(dec.accept_quote, old, "revision_superseded")
        accepted = shop.do(
            dec.accept_quote, dec.AcceptQuote(quote_id=quote_id, revision=2)
        )
        assert accepted.status == "accepted"
        assert (accepted.sent[1]["net"], accepted.sent[2]["net"]) == (61000, 89500)
        assert event_names(shop.app, quote_id) == [
            "Drafted",
            "Sent",
            "Rejected",
            "Revised",
            "LineAdded",
            "Sent",
            "Accepted",
        ]
        shop.refused(
            dec.revise_quote, dec.ReviseQuote(quote_id=quote_id), "quote_accepted"
        )

    def test_a_lost_deal_is_reopened_before_its_quote_is_accepted(self) -> None:
        shop = Shop()
        quote_id = shop.draft()
        shop.do(dec.send_quote, dec.SendQuote(quote_id=quote_id))
        lose = opportunities.LoseOpportunity(opportunity_id=shop.deal, reason="x")
        run(shop.app, opportunities.lose_opportunity, lose)
        accept = dec.AcceptQuote(quote_id=quote_id, revision=1)
        shop.refused(dec.accept_quote, accept, "opportunity_lost")
        reopen = opportunities.ReopenOpportunity(opportunity_id=shop.deal)
        run(shop.app, opportunities.reopen_opportunity, reopen)
        assert shop.do(dec.accept_quote, accept).status == "accepted"

    def test_an_expired_quote_is_not_accepted(self) -> None:
        shop = Shop()
        quote_id = shop.draft(valid_until=date.today())
        shop.do(dec.send_quote, dec.SendQuote(quote_id=quote_id))
        quote = quote_of(shop, quote_id)
        quote.accept(1, date.today())  # by the date: fine
        quote = quote_of(shop, quote_id)
        with pytest.raises(RuleBroken) as error:
            quote.accept(1, date.today() + timedelta(days=1))
        assert error.value.rule == "quote_expired"


class QuoteMachine(RuleBasedStateMachine):
    """Random edits, approvals, sends and revisions: lines change only in a
    draft; the totals are the sum of the lines; a quote is sent only as a
    draft with lines needing no (further) approval; a sent revision never
    changes afterwards."""

    def __init__(self) -> None:
        super().__init__()
        self.shop = Shop()
        self.id = self.shop.draft()
        self.seen: dict[int, Any] = {}

    def attempt(self, handler: Any, command: Any, caller: Caller = ANN) -> bool:
        head = self.shop.app.recorder.max_notification_id()
        try:
            run(self.shop.app, handler, command, caller)
        except RuleBroken:
            assert self.shop.app.recorder.max_notification_id() == head
            return False
        return True

    @rule(discount=st.integers(0, 100))
    def add(self, discount: int) -> None:
        command = cmd.AddQuoteLine(
            quote_id=self.id,
            product_id=self.shop.product,
            quantity=Decimal(1),
            discount_percent=Decimal(discount),
        )
        draft = quote_of(self.shop, self.id).status == "draft"
        assert self.attempt(cmd.add_quote_line, command) == draft

    @rule(data=st.data(), discount=st.integers(0, 100))
    def change(self, data: st.DataObject, discount: int) -> None:
        lines = quote_of(self.shop, self.id).lines
        if lines:
            line = data.draw(st.sampled_from(lines))
            command = cmd.ChangeQuoteLine(
                quote_id=self.id,
                line_id=line.line_id,
                discount_percent=Decimal(discount),
            )
            self.attempt(cmd.change_quote_line, command)

    @rule()
    def approve(self) -> None:
        self.attempt(dec.request_approval, dec.RequestApproval(quote_id=self.id))
        self.attempt(dec.approve_discount, dec.ApproveDiscount(quote_id=self.id), MEG)

    @rule()
    def send(self) -> None:
        quote = quote_of(self.shop, self.id)
        was = (quote.status, quote.needs_approval, bool(quote.lines))
        if self.attempt(dec.send_quote, dec.SendQuote(quote_id=self.id)):
            assert was == ("draft", False, True)
            sent = quote_of(self.shop, self.id)
            self.seen[sent.revision] = sent.sent[sent.revision]

    @rule()
    def revise(self) -> None:
        self.attempt(dec.revise_quote, dec.ReviseQuote(quote_id=self.id))

    @precondition(lambda self: bool(self.seen))
    @rule()
    def reject(self) -> None:
        self.attempt(dec.reject_quote, dec.RejectQuote(quote_id=self.id, reason="no"))

    @invariant()
    def holds(self) -> None:
        quote = quote_of(self.shop, self.id)
        assert quote.totals.net == sum((li.net for li in quote.lines), Decimal(0))
        assert quote.sent == self.seen
        assert quote.version == len(events_of(self.shop.app, self.id))


TestQuoteMachine = QuoteMachine.TestCase
TestQuoteMachine.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None
)
