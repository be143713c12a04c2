"""Product and configurator commands on in-memory persistence, and random
command sequences checked against a simple model."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pydantic import ValidationError

from commands import configurator as conf
from commands import products as cmd
from commands.base import Caller, Forbidden, IdReused
from domain.base import RuleBroken, public_type
from domain.product import Product, product_id_for
from tests.unit.helpers import event_names, events_of, memory_app, rep, run

SERVICE = Caller("erp", frozenset({"service"}))


def introduce(app: Any, sku: str = "VAN-1", **fields: Any) -> UUID:
    values = {"name": "Van", "list_price": "30000", "currency": "EUR"} | fields
    command = cmd.IntroduceProduct(sku=sku, **values)
    return UUID(str(run(app, cmd.introduce_product, command).aggregate.id))


def product(app: Any, product_id: UUID) -> Product:
    found: Product = app.repository.get(product_id)
    return found


def refused(app: Any, handler: Any, command: Any, expected: str) -> None:
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleBroken) as error:
        run(app, handler, command)
    assert error.value.rule == expected
    assert app.recorder.max_notification_id() == before


class TestIntroduceProduct:
    def test_the_sku_names_the_product(self) -> None:
        app = memory_app()
        product_id = introduce(app, " van-1 ", list_price="1E+3", currency="eur")
        (event,) = events_of(app, product_id)
        assert product_id == product_id_for("VAN-1")
        assert public_type(type(event)) == "sfa.product.introduced.v1"
        assert (event.sku, event.list_price, event.currency) == ("VAN-1", 1000, "EUR")
        assert str(event.list_price) == "1000" and event.actor == "root"
        assert product(app, product_id).status == "active"

    def test_the_same_sku_and_body_again_records_nothing(self) -> None:
        app = memory_app()
        introduce(app)
        head = app.recorder.max_notification_id()
        command = cmd.IntroduceProduct(
            sku="van-1", name="Van", list_price=Decimal(30000), currency="EUR"
        )
        again = run(app, cmd.introduce_product, command)
        assert not again.created and app.recorder.max_notification_id() == head

    def test_another_product_with_the_sku_is_refused(self) -> None:
        app = memory_app()
        introduce(app)
        with pytest.raises(IdReused) as error:
            introduce(app, "VAN-1", name="Other van")
        assert error.value.rule == "sku_taken"
        assert app.recorder.max_notification_id() == 1

    def test_only_admins_and_services_change_the_catalogue(self) -> None:
        app = memory_app()
        command = cmd.IntroduceProduct(
            sku="A", name="A", list_price=Decimal(1), currency="EUR"
        )
        with pytest.raises(Forbidden):
            run(app, cmd.introduce_product, command, rep())
        assert run(app, cmd.introduce_product, command, SERVICE).created

    @pytest.mark.parametrize(
        "fields",
        [
            {"sku": ""},
            {"sku": "a b"},
            {"sku": "x" * 65},
            {"list_price": "-1"},
            {"list_price": "NaN"},
            {"currency": "EURO"},
            {"name": " "},
            {"colour": "red"},
        ],
    )
    def test_bad_values_are_refused(self, fields: dict[str, Any]) -> None:
        values = {"sku": "A", "name": "A", "list_price": 1, "currency": "EUR"}
        with pytest.raises(ValidationError):
            cmd.IntroduceProduct.model_validate(values | fields)


class TestChangeProduct:
    def test_details_price_retire_and_reactivate(self) -> None:
        app = memory_app()
        product_id = introduce(app)
        change = cmd.ChangeProductDetails(product_id=product_id, description="3.5 t")
        run(app, cmd.change_product_details, change)
        run(app, cmd.change_product_details, change)  # changes nothing
        price = cmd.ChangeListPrice(
            product_id=product_id, list_price=Decimal("31000.50")
        )
        run(app, cmd.change_list_price, price)
        retire = cmd.RetireProduct(product_id=product_id, reason="replaced")
        run(app, cmd.retire_product, retire)
        refused(app, cmd.retire_product, retire, "product_retired")
        run(app, cmd.reactivate_product, cmd.ReactivateProduct(product_id=product_id))
        events = events_of(app, product_id)
        assert [type(e).__name__ for e in events] == [
            "Introduced",
            "DetailsChanged",
            "PriceChanged",
            "Retired",
            "Reactivated",
        ]
        assert (events[1].old, events[1].new) == (
            {"description": ""},
            {"description": "3.5 t"},
        )
        assert (events[2].old, events[2].new, events[2].currency) == (
            30000,
            Decimal("31000.50"),
            "EUR",
        )


def configured(app: Any) -> UUID:
    """A product with colour (single, required) and extras (multiple)."""
    product_id = introduce(app)
    for key, choice, required in [
        ("colour", "single", True),
        ("extras", "multiple", False),
    ]:
        adding = conf.AddOptionGroup.model_validate(
            {
                "product_id": product_id,
                "key": key,
                "name": key.title(),
                "choice": choice,
                "required": required,
            }
        )
        run(app, conf.add_option_group, adding)
    for key, group, delta in [
        ("white", "colour", 0),
        ("red", "colour", 500),
        ("towbar", "extras", 650),
        ("sport", "extras", 900),
    ]:
        command = conf.AddOption(
            product_id=product_id,
            key=key,
            group=group,
            name=key.title(),
            price_delta=Decimal(delta),
        )
        run(app, conf.add_option, command)
    return product_id


class TestConfigurator:
    def test_groups_options_and_rules_are_events(self) -> None:
        app = memory_app()
        product_id = configured(app)
        rule_id = uuid4()
        add = conf.AddRule(
            product_id=product_id,
            rule_id=rule_id,
            kind="excludes",
            option="towbar",
            other="sport",
        )
        run(app, conf.add_rule, add)
        run(app, conf.add_rule, add)  # the same rule again: nothing
        change = conf.ChangeOption(
            product_id=product_id, key="red", price_delta=Decimal(550)
        )
        run(app, conf.change_option, change)
        names = event_names(app, product_id)
        assert names[1:] == [
            *["OptionGroupAdded"] * 2,
            *["OptionAdded"] * 4,
            "RuleAdded",
            "OptionChanged",
        ]
        found = product(app, product_id).model
        assert found.rules[0].message == "Towbar cannot be combined with Sport"
        assert found.option("red").price_delta == 550  # type: ignore[union-attr]
        last = events_of(app, product_id)[-1]
        assert (last.key, last.old, last.new) == (
            "red",
            {"price_delta": 500},
            {"price_delta": 550},
        )

    @pytest.mark.parametrize(
        ("handler", "fields", "expected"),
        [
            (
                conf.add_option,
                {"key": "blue", "group": "roof", "name": "Blue"},
                "unknown_group",
            ),
            (
                conf.add_option,
                {"key": "red", "group": "colour", "name": "Rouge"},
                "option_exists",
            ),
            (conf.add_option_group, {"key": "colour", "name": "Paint"}, "group_exists"),
            (conf.remove_option_group, {"key": "colour"}, "group_has_options"),
            (conf.remove_option_group, {"key": "roof"}, "unknown_group"),
            (conf.remove_option, {"key": "roof"}, "unknown_option"),
            (conf.change_option, {"key": "roof", "name": "Roof"}, "unknown_option"),
            (
                conf.add_rule,
                {"kind": "requires", "option": "red", "other": "red"},
                "rule_same_option",
            ),
            (
                conf.add_rule,
                {"kind": "requires", "option": "red", "other": "x"},
                "unknown_option",
            ),
            (conf.remove_rule, {"rule_id": str(uuid4())}, "unknown_rule"),
        ],
    )
    def test_refused_changes_record_nothing(
        self, handler: Any, fields: dict[str, Any], expected: str
    ) -> None:
        app = memory_app()
        product_id = configured(app)
        model: Any = {
            conf.add_option: conf.AddOption,
            conf.add_option_group: conf.AddOptionGroup,
            conf.remove_option_group: conf.RemoveOptionGroup,
            conf.remove_option: conf.RemoveOption,
            conf.change_option: conf.ChangeOption,
            conf.add_rule: conf.AddRule,
            conf.remove_rule: conf.RemoveRule,
        }[handler]
        command = model.model_validate({"product_id": product_id, **fields})
        refused(app, handler, command, expected)

    def test_an_option_a_rule_names_cannot_go(self) -> None:
        app = memory_app()
        product_id = configured(app)
        add = conf.AddRule(
            product_id=product_id, kind="requires", option="towbar", other="white"
        )
        rule_id = run(app, conf.add_rule, add).aggregate.model.rules[0].rule_id
        remove = conf.RemoveOption(product_id=product_id, key="white")
        refused(app, conf.remove_option, remove, "option_in_rule")
        run(
            app,
            conf.remove_rule,
            conf.RemoveRule(product_id=product_id, rule_id=rule_id),
        )
        run(app, conf.remove_option, remove)
        assert product(app, product_id).model.option("white") is None

    def test_only_admins_and_services_change_the_model(self) -> None:
        app = memory_app()
        product_id = configured(app)
        command = conf.AddOptionGroup(product_id=product_id, key="roof", name="Roof")
        with pytest.raises(Forbidden):
            run(app, conf.add_option_group, command, rep())


KEYS = ["a", "b", "c", "d"]


class ProductMachine(RuleBasedStateMachine):
    """Random catalogue and configurator commands against a model of the
    product: groups, options, rules, price and status; refused commands
    record nothing; the product reloaded from the store is the one kept."""

    def __init__(self) -> None:
        super().__init__()
        self.app = memory_app()
        self.id = introduce(self.app, list_price=100)
        self.groups: set[str] = set()
        self.options: dict[str, str] = {}  # key -> group
        self.made: dict[UUID, tuple[str, str, str]] = {}
        self.price, self.status = Decimal(100), "active"

    def attempt(self, handler: Any, command: Any) -> bool:
        head = self.app.recorder.max_notification_id()
        try:
            run(self.app, handler, command)
        except RuleBroken:
            assert self.app.recorder.max_notification_id() == head
            return False
        return True

    @rule(key=st.sampled_from(["g", "h"]))
    def add_group(self, key: str) -> None:
        command = conf.AddOptionGroup(product_id=self.id, key=key, name=key)
        assert self.attempt(conf.add_option_group, command)
        self.groups.add(key)

    @rule(key=st.sampled_from(["g", "h"]))
    def remove_group(self, key: str) -> None:
        command = conf.RemoveOptionGroup(product_id=self.id, key=key)
        ok = key in self.groups and key not in self.options.values()
        assert self.attempt(conf.remove_option_group, command) == ok
        if ok:
            self.groups.discard(key)

    @rule(key=st.sampled_from(KEYS), group=st.sampled_from(["g", "h"]))
    def add_option(self, key: str, group: str) -> None:
        command = conf.AddOption(product_id=self.id, key=key, group=group, name=key)
        ok = group in self.groups and self.options.get(key, group) == group
        assert self.attempt(conf.add_option, command) == ok
        if ok:
            self.options[key] = group

    @rule(key=st.sampled_from(KEYS))
    def remove_option(self, key: str) -> None:
        command = conf.RemoveOption(product_id=self.id, key=key)
        named = any(key in (a, b) for _, a, b in self.made.values())
        ok = key in self.options and not named
        assert self.attempt(conf.remove_option, command) == ok
        if ok:
            del self.options[key]

    @rule(
        kind=st.sampled_from(["requires", "excludes", "included_with"]),
        a=st.sampled_from(KEYS),
        b=st.sampled_from(KEYS),
    )
    def add_rule(self, kind: str, a: str, b: str) -> None:
        rule_id = uuid4()
        command = conf.AddRule.model_validate(
            {
                "product_id": self.id,
                "rule_id": rule_id,
                "kind": kind,
                "option": a,
                "other": b,
            }
        )
        if self.attempt(conf.add_rule, command):
            assert a != b and {a, b} <= set(self.options)
            self.made[rule_id] = (kind, a, b)

    @rule(data=st.data())
    def remove_rule(self, data: st.DataObject) -> None:
        if self.made:
            rule_id = data.draw(st.sampled_from(sorted(self.made)))
            command = conf.RemoveRule(product_id=self.id, rule_id=rule_id)
            assert self.attempt(conf.remove_rule, command)
            del self.made[rule_id]

    @rule(price=st.integers(0, 1000))
    def change_price(self, price: int) -> None:
        command = cmd.ChangeListPrice(product_id=self.id, list_price=Decimal(price))
        assert self.attempt(cmd.change_list_price, command)
        self.price = Decimal(price)

    @rule()
    def retire_or_reactivate(self) -> None:
        if self.status == "active":
            command: Any = cmd.RetireProduct(product_id=self.id, reason="old")
            assert self.attempt(cmd.retire_product, command)
            self.status = "retired"
        else:
            command = cmd.ReactivateProduct(product_id=self.id)
            assert self.attempt(cmd.reactivate_product, command)
            self.status = "active"

    @invariant()
    def agrees_with_the_model(self) -> None:
        found = product(self.app, self.id)
        assert {g.key for g in found.model.groups} == self.groups
        assert {o.key: o.group for o in found.model.options} == self.options
        assert {
            r.rule_id: (r.kind, r.option, r.other) for r in found.model.rules
        } == self.made
        assert (found.list_price, found.status) == (self.price, self.status)
        assert found.version == len(events_of(self.app, self.id))


TestProductMachine = ProductMachine.TestCase
TestProductMachine.settings = settings(
    max_examples=40, stateful_step_count=20, deadline=None
)
