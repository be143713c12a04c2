"""The configurator's evaluation: examples of each rule, and random models
and selections checked against an independent reading of the rules."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.base import RuleBroken
from domain.configurator import (
    EXCLUDES,
    INCLUDED_WITH,
    MULTIPLE,
    REQUIRES,
    SINGLE,
    Model,
    Option,
    OptionGroup,
    Rule,
    SelectionInvalid,
)

BASE = Decimal(30000)


def rule(kind: str, option: str, other: str) -> Rule:
    return Rule(uuid4(), kind, option, other, f"{option} {kind} {other}")


CAR = Model(
    groups=(
        OptionGroup("colour", "Colour", SINGLE, required=True),
        OptionGroup("seats", "Seats", SINGLE),
        OptionGroup("extras", "Extras", MULTIPLE),
    ),
    options=(
        Option("white", "colour", "White", Decimal(0)),
        Option("red", "colour", "Red", Decimal(500)),
        Option("cloth", "seats", "Cloth", Decimal(-200)),
        Option("leather", "seats", "Leather", Decimal(1800)),
        Option("heated", "extras", "Heated seats", Decimal(300)),
        Option("towbar", "extras", "Towbar", Decimal(650)),
        Option("sport", "extras", "Sport suspension", Decimal(900)),
    ),
    rules=(
        rule(INCLUDED_WITH, "heated", "leather"),
        rule(REQUIRES, "towbar", "white"),
        rule(EXCLUDES, "towbar", "sport"),
    ),
)


def broken(model: Model, selection: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    with pytest.raises(SelectionInvalid) as error:
        model.evaluate(BASE, selection)
    assert error.value.rule == "configuration_invalid"
    return [(b.rule, b.options) for b in error.value.broken]


class TestEvaluate:
    def test_a_valid_selection_is_priced_option_by_option(self) -> None:
        priced = CAR.evaluate(BASE, ["red", "leather", "sport"])
        assert [(o.option, o.charged) for o in priced.options] == [
            ("red", Decimal(500)),
            ("leather", Decimal(1800)),
            ("sport", Decimal(900)),
            ("heated", Decimal(0)),  # included with leather
        ]
        assert priced.options[-1].included_with == "leather"
        assert priced.total == Decimal(33200)

    def test_an_included_option_chosen_too_is_free(self) -> None:
        priced = CAR.evaluate(BASE, ["white", "heated", "leather"])
        assert priced.total == BASE + 1800

    def test_a_cheaper_choice_lowers_the_price(self) -> None:
        assert CAR.evaluate(BASE, ["white", "cloth"]).total == BASE - 200

    def test_every_broken_rule_is_reported_at_once(self) -> None:
        assert broken(CAR, ["towbar", "sport", "cloth", "leather", "roof"]) == [
            ("unknown_option", ("roof",)),
            ("group_required", ()),
            ("single_choice", ("cloth", "leather")),
            ("requires", ("towbar", "white")),
            ("excludes", ("towbar", "sport")),
        ]

    def test_a_rule_speaks_in_its_own_words(self) -> None:
        with pytest.raises(SelectionInvalid) as error:
            CAR.evaluate(BASE, ["red", "towbar"])
        assert error.value.broken[0].message == "towbar requires white"
        assert error.value.problem_extra["errors"] == [
            {
                "field": "selection",
                "rule": "requires",
                "message": "towbar requires white",
                "options": ["towbar", "white"],
            }
        ]

    def test_a_total_below_zero_is_refused(self) -> None:
        cheap = Model(
            groups=(OptionGroup("g", "G"),),
            options=(Option("rebate", "g", "Rebate", Decimal(-40000)),),
        )
        assert broken(cheap, ["rebate"]) == [("price_negative", ("rebate",))]


class TestRulesFit:
    @pytest.mark.parametrize(
        ("new", "expected"),
        [
            (rule(REQUIRES, "towbar", "white"), "rule_repeated"),
            (rule(EXCLUDES, "sport", "towbar"), "rule_repeated"),
            (rule(REQUIRES, "towbar", "sport"), "rules_contradict"),
            (rule(EXCLUDES, "heated", "leather"), "rules_contradict"),
            (rule(INCLUDED_WITH, "leather", "heated"), "inclusion_cycle"),
        ],
    )
    def test_refused(self, new: Rule, expected: str) -> None:
        with pytest.raises(RuleBroken) as error:
            CAR.check_fits(new)
        assert error.value.rule == expected

    def test_a_longer_inclusion_cycle_is_refused(self) -> None:
        chain = Model(
            groups=CAR.groups,
            options=CAR.options,
            rules=(
                rule(INCLUDED_WITH, "heated", "leather"),
                rule(INCLUDED_WITH, "sport", "heated"),
            ),
        )
        with pytest.raises(RuleBroken) as error:
            chain.check_fits(rule(INCLUDED_WITH, "leather", "sport"))
        assert error.value.rule == "inclusion_cycle"


KEYS = [f"o{i}" for i in range(6)]


@st.composite
def models(draw: st.DrawFn) -> Model:
    groups = tuple(
        OptionGroup(f"g{i}", f"G{i}", draw(st.sampled_from([SINGLE, MULTIPLE])),
                    draw(st.booleans()))
        for i in range(draw(st.integers(1, 3)))
    )  # fmt: skip
    options = tuple(
        Option(key, draw(st.sampled_from(groups)).key, key.upper(),
               Decimal(draw(st.integers(-500, 2000))))
        for key in KEYS
    )  # fmt: skip
    model = Model(groups, options)
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from([REQUIRES, EXCLUDES, INCLUDED_WITH]))
        a, b = draw(
            st.lists(st.sampled_from(KEYS), min_size=2, max_size=2, unique=True)
        )
        new = rule(kind, a, b)
        try:
            model.check_fits(new)
        except RuleBroken:
            continue
        model = Model(groups, options, (*model.rules, new))
    return model


def closure(model: Model, chosen: set[str]) -> dict[str, str]:
    """The oracle's inclusions: option -> the option it came with."""
    free: dict[str, str] = {}
    for _ in KEYS:  # at most one step per option
        for r in model.rules:
            brought = r.other in chosen or r.other in free
            if r.kind == INCLUDED_WITH and r.option not in free and brought:
                free[r.option] = r.other
    return free


def oracle_valid(model: Model, chosen: set[str]) -> bool:
    have = chosen | set(closure(model, chosen))
    for g in model.groups:
        mine = [o for o in model.options if o.group == g.key and o.key in have]
        if (g.choice == SINGLE and len(mine) > 1) or (g.required and not mine):
            return False
    for r in model.rules:
        if r.kind == REQUIRES and r.option in have and r.other not in have:
            return False
        if r.kind == EXCLUDES and {r.option, r.other} <= have:
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(model=models(), selection=st.lists(st.sampled_from(KEYS), max_size=6))
def test_evaluation_agrees_with_the_rules_read_directly(
    model: Model, selection: list[str]
) -> None:
    """Given a random model and selection: it is priced exactly when it
    keeps every rule; then the total is the base plus the deltas of the
    options not included with another; the order of the selection changes
    nothing."""
    chosen = set(selection)
    free = closure(model, chosen)
    try:
        priced = model.evaluate(BASE, selection)
    except SelectionInvalid as invalid:
        total = BASE + sum(
            (o.price_delta for o in model.options
             if o.key in chosen | set(free) and o.key not in free),
            Decimal(0),
        )  # fmt: skip
        assert not oracle_valid(model, chosen) or total < 0
        with pytest.raises(SelectionInvalid) as again:
            model.evaluate(BASE, list(reversed(selection)))
        assert {(b.rule, frozenset(b.options)) for b in again.value.broken} == {
            (b.rule, frozenset(b.options)) for b in invalid.broken
        }
        return
    assert oracle_valid(model, chosen)
    assert {o.option for o in priced.options} == chosen | set(free)
    expected = sum(
        (o.price_delta for o in model.options if o.key in chosen and o.key not in free),
        Decimal(0),
    )
    assert priced.total == BASE + expected
    assert model.evaluate(BASE, list(reversed(selection))).total == priced.total
