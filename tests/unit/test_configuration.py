"""Configurations: priced and recorded as of the product version they were
made at, and added to deals as configured lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from commands import configurations as cmd
from commands import configurator as conf
from commands import products
from commands.base import StaleVersion
from domain.base import RuleBroken, public_type
from domain.configuration import Configuration
from domain.configurator import SelectionInvalid
from domain.product import Product
from tests.unit.helpers import event_names, events_of, memory_app, rep, run
from tests.unit.test_opportunity import open_deal, world
from tests.unit.test_product import configured


def configure(app: Any, product_id: UUID, *selection: str, **context: Any) -> Any:
    command = cmd.ConfigureProduct(product_id=product_id, selection=list(selection))
    return run(app, cmd.configure_product, command, rep(), **context)


class TestConfigureProduct:
    def test_a_valid_selection_is_recorded_with_its_prices_and_version(self) -> None:
        app = memory_app()
        product_id = configured(app)
        made = configure(app, product_id, "red", "towbar", "red")
        (event,) = events_of(app, made.aggregate.id)
        assert public_type(type(event)) == "sfa.configuration.recorded.v1"
        assert (event.product_version, event.sku, event.currency) == (7, "VAN-1", "EUR")
        assert event.selection == ["red", "towbar"]
        assert (event.base_price, event.total) == (Decimal(30000), Decimal(31150))
        assert [(o["option"], o["charged"]) for o in event.options] == [
            ("red", Decimal(500)),
            ("towbar", Decimal(650)),
        ]

    def test_an_invalid_selection_records_nothing_and_names_every_rule(self) -> None:
        app = memory_app()
        product_id = configured(app)
        head = app.recorder.max_notification_id()
        with pytest.raises(SelectionInvalid) as error:
            configure(app, product_id, "towbar", "roof")
        assert [b.rule for b in error.value.broken] == [
            "unknown_option",
            "group_required",
        ]
        assert app.recorder.max_notification_id() == head

    def test_a_retired_product_is_not_configured(self) -> None:
        app = memory_app()
        product_id = configured(app)
        retire = products.RetireProduct(product_id=product_id, reason="old")
        run(app, products.retire_product, retire)
        with pytest.raises(RuleBroken) as error:
            configure(app, product_id, "white")
        assert error.value.rule == "product_retired"

    def test_if_match_names_the_product_version_seen(self) -> None:
        app = memory_app()
        product_id = configured(app)
        with pytest.raises(StaleVersion):
            configure(app, product_id, "white", expected_version=6)
        assert configure(app, product_id, "white", expected_version=7).created

    def test_the_same_id_and_selection_again_records_nothing(self) -> None:
        app = memory_app()
        product_id, chosen = configured(app), uuid4()
        command = cmd.ConfigureProduct(
            id=chosen, product_id=product_id, selection=["white"]
        )
        assert run(app, cmd.configure_product, command).created
        assert not run(app, cmd.configure_product, command).created
        assert event_names(app, chosen) == ["Recorded"]


class TestAsOf:
    def test_later_prices_and_rules_never_change_a_configuration(self) -> None:
        app = memory_app()
        product_id = configured(app)
        made = configure(app, product_id, "red", "sport").aggregate
        price = products.ChangeListPrice(product_id=product_id, list_price=Decimal(1))
        run(app, products.change_list_price, price)
        rule = conf.AddRule(
            product_id=product_id, kind="excludes", option="red", other="sport"
        )
        run(app, conf.add_rule, rule)
        with pytest.raises(SelectionInvalid):
            configure(app, product_id, "red", "sport")
        kept: Configuration = app.repository.get(made.id)
        assert (kept.total, kept.product_version) == (Decimal(31400), 7)
        then: Product = app.repository.get(product_id, version=kept.product_version)
        assert then.list_price == Decimal(30000) and then.model.rules == ()
        assert then.model.evaluate(then.list_price, kept.selection).total == kept.total


class TestAddConfiguredLine:
    def test_the_line_is_priced_at_the_configuration(self) -> None:
        app, account_id = world()
        product_id = configured(app)
        made = configure(app, product_id, "red").aggregate
        deal = open_deal(app, account_id)
        price = products.ChangeListPrice(product_id=product_id, list_price=Decimal(1))
        run(app, products.change_list_price, price)
        line_id = uuid4()
        add = cmd.AddConfiguredLine(
            opportunity_id=deal,
            configuration_id=made.id,
            line_id=line_id,
            quantity=Decimal(3),
        )
        run(app, cmd.add_configured_line, add)
        run(app, cmd.add_configured_line, add)  # the same again: nothing
        (line,) = app.repository.get(deal).lines
        assert (line.product, line.sku, line.unit_price, line.total) == (
            "Van",
            "VAN-1",
            Decimal(30500),
            Decimal(91500),
        )
        assert line.configuration_id == made.id
        event = events_of(app, deal)[-1]
        assert event.new["configuration_id"] == made.id

    def test_a_plain_line_carries_no_configuration(self) -> None:
        from commands import opportunities

        app, account_id = world()
        deal = open_deal(app, account_id)
        add = opportunities.AddLineItem(
            opportunity_id=deal,
            product="Van",
            quantity=Decimal(1),
            unit_price=Decimal(1),
        )
        run(app, opportunities.add_line_item, add)
        assert "configuration_id" not in events_of(app, deal)[-1].new

    @pytest.mark.parametrize(
        ("currency", "known", "expected"),
        [
            ("USD", True, "currency_mismatch"),
            ("EUR", False, "unknown_configuration"),
        ],
    )
    def test_refused(self, currency: str, known: bool, expected: str) -> None:
        app, account_id = world()
        made = configure(app, configured(app), "white").aggregate
        deal = open_deal(app, account_id, currency=currency)
        add = cmd.AddConfiguredLine(
            opportunity_id=deal,
            configuration_id=made.id if known else uuid4(),
            quantity=Decimal(1),
        )
        head = app.recorder.max_notification_id()
        with pytest.raises(RuleBroken) as error:
            run(app, cmd.add_configured_line, add)
        assert error.value.rule == expected
        assert app.recorder.max_notification_id() == head
