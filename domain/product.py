"""Product: one SKU of the catalogue, its list price, and its configurator
model (option groups, options with price deltas, rules).

What must hold:
- The SKU never changes, and one SKU names one product: the product's id is
  derived from its SKU (``product_id_for``), so two products with the same
  SKU would be one stream, and the store refuses a second creation of it
  even when two writers race (the loser's version 1 conflicts).
- The list price is a ``Decimal``, never negative, in an ISO 4217 currency.
- A product is ``active`` or ``retired``; only an active one is configured.
- The configurator model changes only by events; every version of the
  product is its model and prices at that moment, so a configuration
  records the version it was made at and keeps what was in force then.
- Options belong to a group of the product; a group with options, or an
  option a rule names, cannot be removed. Rules name two different options,
  are not repeated, do not contradict each other and form no inclusion cycle.
- Detail-change events carry the old and the new value; a change that
  changes nothing records nothing.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.configurator import (
    Model,
    Option,
    OptionGroup,
    Priced,
    Rule,
    as_event,
)
from domain.opportunity import check_money

ACTIVE, RETIRED = "active", "retired"


def product_id_for(sku: str) -> UUID:
    """The one id a SKU's product can have."""
    return uuid5(NAMESPACE_URL, f"sfa:product:{sku}")


def _check_name(name: str) -> None:
    check(bool(name.strip()), "name_required", "a product needs a name")


class Product(SalesAggregate):
    @classmethod
    def introduce(cls, sku: str, **fields: Any) -> Product:
        """``fields``: the remaining parameters of ``__init__``."""
        check(bool(sku.strip()), "sku_required", "a product needs a SKU")
        _check_name(fields["name"])
        check_money(fields["list_price"], fields["currency"])
        return cls(id=product_id_for(sku), sku=sku, **fields)

    @event("Introduced")
    def __init__(
        self,
        id: UUID,
        sku: str,
        name: str,
        description: str,
        list_price: Decimal,
        currency: str,
    ) -> None:
        self.sku = sku
        self.name = name
        self.description = description
        self.list_price = list_price
        self.currency = currency
        self.status = ACTIVE
        self.retired_reason: str | None = None
        self.model = Model()

    def change_details(self, name: str, description: str) -> None:
        _check_name(name)
        old = {"name": self.name, "description": self.description}
        new = {"name": name, "description": description}
        changed = {k for k in new if new[k] != old[k]}
        if changed:
            self._details_changed(
                old={k: old[k] for k in changed}, new={k: new[k] for k in changed}
            )

    @event("DetailsChanged")
    def _details_changed(self, old: dict[str, str], new: dict[str, str]) -> None:
        self.name = new.get("name", self.name)
        self.description = new.get("description", self.description)

    def change_price(self, list_price: Decimal, currency: str) -> None:
        check_money(list_price, currency)
        if (list_price, currency) != (self.list_price, self.currency):
            self._price_changed(
                old=self.list_price,
                new=list_price,
                old_currency=self.currency,
                currency=currency,
            )

    @event("PriceChanged")
    def _price_changed(
        self, old: Decimal, new: Decimal, old_currency: str, currency: str
    ) -> None:
        self.list_price, self.currency = new, currency

    def retire(self, reason: str) -> None:
        check(self.status == ACTIVE, "product_retired", "the product is retired")
        check(bool(reason.strip()), "reason_required", "say why it is retired")
        self._retired(reason=reason)

    @event("Retired")
    def _retired(self, reason: str) -> None:
        self.status, self.retired_reason = RETIRED, reason

    def reactivate(self) -> None:
        check(self.status == RETIRED, "product_active", "the product is active")
        self._reactivated()

    @event("Reactivated")
    def _reactivated(self) -> None:
        self.status, self.retired_reason = ACTIVE, None

    def configure(self, selection: list[str]) -> Priced:
        """The price of ``selection`` now; ``SelectionInvalid`` naming every
        broken rule otherwise."""
        check(self.status == ACTIVE, "product_retired", "the product is retired")
        return self.model.evaluate(self.list_price, selection)

    def add_group(self, group: OptionGroup) -> None:
        """The same group again records nothing; another with its key is
        refused."""
        check(bool(group.name.strip()), "name_required", "a group needs a name")
        found = self.model.group(group.key)
        if found is not None:
            check(found == group, "group_exists", f"group {group.key} exists")
            return
        self._group_added(group=as_event(group))

    @event("OptionGroupAdded")
    def _group_added(self, group: dict[str, Any]) -> None:
        groups = (*self.model.groups, OptionGroup(**group))
        self.model = replace(self.model, groups=groups)

    def remove_group(self, key: str) -> None:
        check(self.model.group(key) is not None, "unknown_group", f"no group {key}")
        used = any(o.group == key for o in self.model.options)
        check(not used, "group_has_options", f"group {key} still has options")
        self._group_removed(key=key)

    @event("OptionGroupRemoved")
    def _group_removed(self, key: str) -> None:
        groups = tuple(g for g in self.model.groups if g.key != key)
        self.model = replace(self.model, groups=groups)

    def add_option(self, option: Option) -> None:
        """The same option again records nothing; another with its key is
        refused."""
        check(bool(option.name.strip()), "name_required", "an option needs a name")
        group = self.model.group(option.group)
        check(group is not None, "unknown_group", f"no group {option.group}")
        found = self.model.option(option.key)
        if found is not None:
            check(found == option, "option_exists", f"option {option.key} exists")
            return
        self._option_added(option=as_event(option))

    @event("OptionAdded")
    def _option_added(self, option: dict[str, Any]) -> None:
        options = (*self.model.options, Option(**option))
        self.model = replace(self.model, options=options)

    def change_option(self, key: str, **changes: Any) -> None:
        """``changes``: ``name`` and/or ``price_delta``."""
        old = self._option(key)
        new = replace(old, **changes)
        check(bool(new.name.strip()), "name_required", "an option needs a name")
        if new != old:
            names = [k for k in changes if getattr(old, k) != getattr(new, k)]
            self._option_changed(
                key=key,
                old={k: getattr(old, k) for k in names},
                new={k: getattr(new, k) for k in names},
            )

    @event("OptionChanged")
    def _option_changed(
        self, key: str, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        options = tuple(
            replace(o, **new) if o.key == key else o for o in self.model.options
        )
        self.model = replace(self.model, options=options)

    def remove_option(self, key: str) -> None:
        self._option(key)
        named = any(key in (r.option, r.other) for r in self.model.rules)
        check(not named, "option_in_rule", f"a rule names option {key}")
        self._option_removed(key=key)

    @event("OptionRemoved")
    def _option_removed(self, key: str) -> None:
        options = tuple(o for o in self.model.options if o.key != key)
        self.model = replace(self.model, options=options)

    def _option(self, key: str) -> Option:
        found = self.model.option(key)
        check(found is not None, "unknown_option", f"no option {key}")
        assert found is not None
        return found

    def add_rule(self, rule: Rule) -> None:
        """The same rule (id and content) again records nothing."""
        self._option(rule.option)
        self._option(rule.other)
        check(rule.option != rule.other, "rule_same_option", "name two options")
        check(bool(rule.message.strip()), "message_required", "a rule needs words")
        same_id = next((r for r in self.model.rules if r.rule_id == rule.rule_id), None)
        if same_id is not None:
            check(same_id == rule, "rule_exists", f"rule {rule.rule_id} exists")
            return
        self.model.check_fits(rule)
        self._rule_added(rule=as_event(rule))

    @event("RuleAdded")
    def _rule_added(self, rule: dict[str, Any]) -> None:
        self.model = replace(self.model, rules=(*self.model.rules, Rule(**rule)))

    def remove_rule(self, rule_id: UUID) -> None:
        known = any(r.rule_id == rule_id for r in self.model.rules)
        check(known, "unknown_rule", f"no rule {rule_id}")
        self._rule_removed(rule_id=rule_id)

    @event("RuleRemoved")
    def _rule_removed(self, rule_id: UUID) -> None:
        rules = tuple(r for r in self.model.rules if r.rule_id != rule_id)
        self.model = replace(self.model, rules=rules)
