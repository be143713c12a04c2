"""The control report's lines (``control_query``): each member's standard,
actual and status per metric, with the trend before; and the lines of a
scope where each member is one rep, computed in one pass.

What must hold: ``alone_lines`` gives exactly the lines the pooled path of
``control_query.control_report`` gives when each member has one rep (the
same sums from zero, the same order: by metric key as the standards are
found, then by rep).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from domain.standard import lower_is_better
from projections.control_measures import MEASURES, Key, Tally

ZERO = Decimal(0)


@dataclass(frozen=True)
class Thresholds:
    above: Decimal = Decimal(10)
    below: Decimal = Decimal(10)
    far_below: Decimal = Decimal(30)

    def status(self, metric: str, standard: Decimal, actual: Decimal | None) -> str:
        if actual is None:
            return "no_data"
        sign = -1 if lower_is_better(metric) else 1
        if standard == 0:
            pct = Decimal(sign * 100) if actual else Decimal(0)
        else:
            pct = sign * (actual - standard) * 100 / standard
        if pct >= self.above:
            return "above"
        if pct >= -self.below:
            return "on_track"
        return "below" if pct >= -self.far_below else "far_below"


@dataclass(slots=True)
class Cell:
    """One member and metric in one period."""

    standard: Decimal
    actual: Decimal | None


@dataclass(slots=True)
class Line:
    member: str
    member_name: str
    key: Key
    standard: Decimal
    actual: Decimal | None
    status: str
    trend: list[tuple[str, Cell | None]] = field(default_factory=list)

    @property
    def variance(self) -> Decimal | None:
        return None if self.actual is None else self.actual - self.standard

    @property
    def variance_pct(self) -> Decimal | None:
        v = self.variance
        return None if v is None or not self.standard else v * 100 / self.standard


def _cell(
    tally: Tally | None, target: Decimal, rate: bool, scale: Decimal
) -> tuple[Decimal, Decimal | None]:
    """A rep's standard and actual from its tally (``_pooled`` of one)."""
    num, den = (ZERO, ZERO) if tally is None else tally
    num, den = ZERO + num, ZERO + den
    actual = (num * scale / den if den else None) if rate else num
    return ZERO + target, actual


def alone_lines(
    members: dict[str, str],
    names: dict[str, str],
    wanted: list[dict[Key, dict[str, Decimal]]],
    tallies: dict[Key, dict[tuple[str, int], Tally]],
    labels: list[str],
    thresholds: Thresholds,
) -> list[Line]:
    """The lines when each member has one rep: per metric key and rep with a
    standard in the last period, its cell there and in each period before
    (``labels``; None where it had no standard)."""
    last, status = len(wanted) - 1, thresholds.status
    lines: list[Line] = []
    for key, by_rep in wanted[last].items():
        measure = MEASURES[key[0]]
        rate, scale = measure.denominator is not None, measure.scale
        counted = tallies.get(key, {})
        earlier = [w.get(key, {}) for w in wanted[:last]]
        for rep_id, target in by_rep.items():
            member = members.get(rep_id)
            if member is None:
                continue
            trend: list[tuple[str, Any]] = []
            for index, label in enumerate(labels):
                then = earlier[index].get(rep_id)
                if then is None:
                    trend.append((label, None))
                    continue
                cell = _cell(counted.get((rep_id, index)), then, rate, scale)
                trend.append((label, Cell(*cell)))
            standard, actual = _cell(counted.get((rep_id, last)), target, rate, scale)
            state = status(key[0], standard, actual)
            lines.append(
                Line(member, names[member], key, standard, actual, state, trend)
            )
    return lines
