"""Territory assignment rules, and which territory an account falls in.

What must hold:
- A rule has a name (unique within its territory) and at least one
  criterion: ``country`` (ISO 3166 alpha-2), ``region``, ``postcode_prefix``,
  ``industry``, ``min_employees``, ``max_employees``. An account matches a
  rule when it meets *every* criterion the rule has (text compares without
  case; a postcode prefix ignores spaces; a size bound needs a known size).
- ``choose`` is a pure function of the territories and the account:
  a manual assignment wins over every rule; among matching rules the most
  specific wins — deepest territory in the hierarchy, then most criteria,
  then longest postcode prefix — and remaining ties go to the territory,
  then the rule, whose name sorts first (then the territory id). So the
  same inputs always give the same territory, whatever order the
  territories are read in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.base import check

TEXT_CRITERIA = ("country", "region", "postcode_prefix", "industry")
SIZE_CRITERIA = ("min_employees", "max_employees")
CRITERIA = (*TEXT_CRITERIA, *SIZE_CRITERIA)
MANUAL = "manual"


@dataclass(frozen=True)
class Candidate:
    """What ``choose`` needs of one territory."""

    territory_id: UUID
    name: str
    depth: int
    rules: tuple[Mapping[str, Any], ...]
    accounts: frozenset[UUID]


@dataclass(frozen=True)
class Choice:
    territory_id: UUID
    territory: str
    rule: str  # the matching rule's name, or ``MANUAL``


def check_rules(rules: list[dict[str, Any]]) -> None:
    """Names unique and not ``manual``; each rule has a criterion; bounds in
    order and not negative."""
    names = [r.get("name") for r in rules]
    check(all(names), "rule_needs_name", "every rule has a name")
    check(len(set(names)) == len(names), "rule_name_taken", "rule names repeat")
    check(MANUAL not in names, "rule_name_reserved", "'manual' names no rule")
    for rule in rules:
        unknown = set(rule) - {"name", *CRITERIA}
        check(not unknown, "unknown_rule_criterion", f"no criteria {unknown}")
        has = [c for c in CRITERIA if rule.get(c) not in (None, "")]
        msg = f"rule {rule['name']!r} has no criterion: it would match everything"
        check(bool(has), "rule_needs_criterion", msg)
        low, high = rule.get("min_employees"), rule.get("max_employees")
        sizes = [s for s in (low, high) if s is not None]
        msg = "employee bounds are whole numbers, not negative"
        check(all(int(s) == s and s >= 0 for s in sizes), "rule_size_bounds", msg)
        ordered = low is None or high is None or low <= high
        check(ordered, "rule_size_bounds", "min_employees is above max_employees")


def _fold(value: Any) -> str:
    return str(value).replace(" ", "").casefold()


def matches(rule: Mapping[str, Any], account: Mapping[str, Any]) -> bool:
    """``account`` has ``country``, ``region``, ``postcode``, ``industry``
    and ``employees`` (any may be ``None``)."""
    for name in ("country", "region", "industry"):
        wanted = rule.get(name)
        if wanted and (
            account.get(name) is None or _fold(account[name]) != _fold(wanted)
        ):
            return False
    prefix = rule.get("postcode_prefix")
    postcode = account.get("postcode")
    if prefix and (postcode is None or not _fold(postcode).startswith(_fold(prefix))):
        return False
    size = account.get("employees")
    low, high = rule.get("min_employees"), rule.get("max_employees")
    if (low is not None or high is not None) and size is None:
        return False
    return (low is None or size >= low) and (high is None or size <= high)


def _rank(c: Candidate, rule: Mapping[str, Any]) -> tuple[Any, ...]:
    criteria = sum(1 for n in CRITERIA if rule.get(n) not in (None, ""))
    prefix = len(_fold(rule.get("postcode_prefix") or ""))
    key = (c.name.casefold(), str(c.territory_id), str(rule["name"]))
    return (-c.depth, -criteria, -prefix, *key)


def choose(
    candidates: Iterable[Candidate], account_id: UUID, account: Mapping[str, Any]
) -> Choice | None:
    """The territory the account falls in, or ``None`` if none claims it."""
    ranked: list[tuple[tuple[Any, ...], Choice]] = []
    for c in candidates:
        if account_id in c.accounts:
            ranked.append(
                ((0, c.name.casefold()), Choice(c.territory_id, c.name, MANUAL))
            )
        for rule in c.rules:
            if matches(rule, account):
                choice = Choice(c.territory_id, c.name, str(rule["name"]))
                ranked.append(((1, *_rank(c, rule)), choice))
    return min(ranked, key=lambda pair: pair[0])[1] if ranked else None
