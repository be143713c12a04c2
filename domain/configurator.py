"""The configurator's model of a product, and the evaluation of a selection.

What must hold:
- Group and option keys are snake_case; an option belongs to one group of
  its product. A group is ``single`` (at most one option) or ``multiple``
  choice, and ``required`` (at least one option) or not.
- A rule names two different options of the product: ``requires`` (the
  option needs the other), ``excludes`` (not both), ``included_with`` (the
  option comes with the other, at no charge). A rule's message says what is
  wrong in words a customer understands.
- ``evaluate`` reports every broken rule of a selection, never only the
  first; a valid selection is priced: the list price plus the price delta of
  every option chosen, an option included with another costing nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.base import RuleBroken, check

SINGLE, MULTIPLE = "single", "multiple"
CHOICES = (SINGLE, MULTIPLE)
REQUIRES, EXCLUDES, INCLUDED_WITH = "requires", "excludes", "included_with"
RULE_KINDS = (REQUIRES, EXCLUDES, INCLUDED_WITH)
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def check_key(key: str, what: str) -> None:
    check(bool(KEY.match(key)), f"{what}_key_format", f"bad {what} key {key!r}")


@dataclass(frozen=True)
class OptionGroup:
    key: str
    name: str
    choice: str = SINGLE
    required: bool = False


@dataclass(frozen=True)
class Option:
    key: str
    group: str
    name: str
    price_delta: Decimal = Decimal(0)


@dataclass(frozen=True)
class Rule:
    rule_id: UUID
    kind: str
    option: str
    other: str
    message: str


def as_event(item: OptionGroup | Option | Rule) -> dict[str, Any]:
    """A group, option or rule as events carry it."""
    return dict(vars(item))


@dataclass(frozen=True)
class Broken:
    """One broken rule of a selection; ``options`` are the options it names."""

    rule: str
    message: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class PricedOption:
    group: str
    option: str
    name: str
    price_delta: Decimal
    included_with: str | None  # the option it came with, at no charge

    @property
    def charged(self) -> Decimal:
        return Decimal(0) if self.included_with else self.price_delta


@dataclass(frozen=True)
class Priced:
    base_price: Decimal
    options: tuple[PricedOption, ...]

    @property
    def total(self) -> Decimal:
        return self.base_price + sum((o.charged for o in self.options), Decimal(0))


class SelectionInvalid(RuleBroken):
    """A selection that breaks rules; ``broken`` lists every one of them."""

    def __init__(self, broken: Sequence[Broken]) -> None:
        names = "; ".join(b.message for b in broken)
        super().__init__(
            f"{len(broken)} rule(s) broken: {names}", rule="configuration_invalid"
        )
        self.broken = tuple(broken)
        self.problem_extra = {
            "errors": [
                {"field": "selection", **vars(b), "options": list(b.options)}
                for b in broken
            ]
        }


@dataclass(frozen=True)
class Model:
    """What can be chosen for a product at one version of it."""

    groups: tuple[OptionGroup, ...] = ()
    options: tuple[Option, ...] = ()
    rules: tuple[Rule, ...] = ()

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)

    def group(self, key: str) -> OptionGroup | None:
        return next((g for g in self.groups if g.key == key), None)

    def evaluate(self, base_price: Decimal, selection: Iterable[str]) -> Priced:
        """The price of ``selection``; ``SelectionInvalid`` naming every
        broken rule if it is not a valid configuration."""
        chosen = list(dict.fromkeys(selection))
        broken = [
            Broken("unknown_option", f"there is no option {key!r}", (key,))
            for key in chosen
            if self.option(key) is None
        ]
        included = self._inclusions([k for k in chosen if self.option(k)])
        picked = [*[k for k in chosen if self.option(k)], *included]
        picked = list(dict.fromkeys(picked))
        broken += self._group_rules(picked) + self._option_rules(picked)
        priced = Priced(base_price, tuple(self._priced(picked, included)))
        if not broken and priced.total < 0:
            options = tuple(picked)
            broken.append(Broken("price_negative", "the total is below 0", options))
        if broken:
            raise SelectionInvalid(broken)
        return priced

    def _inclusions(self, chosen: list[str]) -> dict[str, str]:
        """Options that come with a chosen one (transitively; chosen too or
        not), each with the option it came with. Rules form no cycle
        (``Product.add_rule``)."""
        found: dict[str, str] = {}
        have = set(chosen)
        changed = True
        while changed:
            changed = False
            for rule in self.rules:
                if rule.kind != INCLUDED_WITH or rule.option in found:
                    continue
                if rule.other in have:
                    found[rule.option] = rule.other
                    have.add(rule.option)
                    changed = True
        return found

    def includes(self, option: str, other: str) -> bool:
        """Whether choosing ``option`` brings ``other`` (``included_with``
        rules, followed transitively)."""
        return other in self._inclusions([option])

    def check_fits(self, rule: Rule) -> None:
        """Refuses a rule that repeats, contradicts or closes an inclusion
        cycle with this model's rules."""
        pair = {rule.option, rule.other}
        same_pair = [r for r in self.rules if {r.option, r.other} == pair]
        repeated = any(
            r.kind == rule.kind and (r.kind == EXCLUDES or r.option == rule.option)
            for r in same_pair
        )
        check(not repeated, "rule_repeated", "that rule exists already")
        kinds = {r.kind for r in same_pair} | {rule.kind}
        bad = EXCLUDES in kinds and bool(kinds & {REQUIRES, INCLUDED_WITH})
        check(not bad, "rules_contradict", "excluded options cannot go together")
        if rule.kind == INCLUDED_WITH:
            cycle = self.includes(rule.option, rule.other)
            check(not cycle, "inclusion_cycle", "options would include each other")

    def _group_rules(self, picked: list[str]) -> list[Broken]:
        broken = []
        for group in self.groups:
            mine = tuple(k for k in picked if self._group_of(k) == group.key)
            if group.choice == SINGLE and len(mine) > 1:
                text = f"choose only one {group.name}"
                broken.append(Broken("single_choice", text, mine))
            if group.required and not mine:
                text = f"choose a {group.name}"
                broken.append(Broken("group_required", text, ()))
        return broken

    def _option_rules(self, picked: list[str]) -> list[Broken]:
        have = set(picked)
        broken = []
        for rule in self.rules:
            if rule.kind == REQUIRES and rule.option in have:
                wrong = rule.other not in have
            elif rule.kind == EXCLUDES:
                wrong = rule.option in have and rule.other in have
            else:
                continue
            if wrong:
                options = (rule.option, rule.other)
                broken.append(Broken(rule.kind, rule.message, options))
        return broken

    def _group_of(self, key: str) -> str | None:
        option = self.option(key)
        return option.group if option else None

    def _priced(
        self, picked: list[str], included: dict[str, str]
    ) -> list[PricedOption]:
        found = []
        for key in picked:
            option = self.option(key)
            assert option is not None
            found.append(
                PricedOption(
                    option.group,
                    option.key,
                    option.name,
                    option.price_delta,
                    included.get(key),
                )
            )
        return found


def default_message(kind: str, option: Option, other: Option) -> str:
    return {
        REQUIRES: f"{option.name} requires {other.name}",
        EXCLUDES: f"{option.name} cannot be combined with {other.name}",
        INCLUDED_WITH: f"{option.name} is included with {other.name}",
    }[kind]
