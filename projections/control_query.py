"""The control report: per member of a scope and metric, the standard in
force, the actual, the variance and its status, and the trend.

What must hold:
- Standards are per-rep targets (``domain.standard``). Each active rep gets,
  per metric (and activity kind, currency), the most specific standard of
  the period's kind whose target is in force for the period: rep, then its
  team, then its territory, then everyone. A retired one applies no longer.
- A member (a rep, a team, a territory, everyone) measures only its reps
  with a standard for the metric: its actual pools their tallies; its
  standard is the sum of their targets for counts and amounts, the mean for
  rates and averages.
- Status from the variance in % (its sign turned where lower is better):
  ``above`` from +above, ``on_track`` from -below, ``below`` from
  -far_below, else ``far_below``; ``no_data`` for a rate of nothing.
- Teams and territories are the reps' current ones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from domain.periods import Period
from projections.control_lines import Cell, Line, Thresholds, alone_lines
from projections.control_measures import MEASURES, Key, Tally, measure
from projections.forecast_query import money
from projections.view import Cursor, Tables

ZERO = Decimal(0)
SPECIFIC = ("rep", "team", "territory", "everyone")
STANDARDS = (  # every revision of every standard of a period kind
    "SELECT s.standard_id, s.metric, s.activity_kind, s.currency, s.scope,"
    " s.subject, t.effective_from, t.target FROM {standards} s JOIN {targets} t"
    " ON t.standard_id = s.standard_id WHERE s.period_kind = %s"
    " ORDER BY s.standard_id, t.effective_from"
)
__all__ = ["Cell", "Line", "Thresholds", "control_report"]
DEFAULT_THRESHOLDS = Thresholds()


@dataclass
class Rep:
    rep_id: str
    name: str
    team_id: str | None
    team_name: str | None
    territory: str | None

    def subject(self, scope: str) -> str | None:
        """What a standard of ``scope`` names to apply to this rep."""
        return {"rep": self.rep_id, "team": self.team_id}.get(scope, self.territory)

    def member(self, scope: str) -> tuple[str, str] | None:
        """(member id, member name) in ``scope``; None: not in any."""
        if scope == "rep":
            return self.rep_id, self.name
        if scope == "team":
            return (self.team_id, self.team_name or "") if self.team_id else None
        if scope == "territory":
            return (self.territory, self.territory) if self.territory else None
        return "everyone", "everyone"


def window(period: Period) -> tuple[datetime, datetime]:
    start = datetime.combine(period.first, time(), UTC)
    return start, datetime.combine(period.last + timedelta(days=1), time(), UTC)


def active_reps(cursor: Cursor, tables: Tables) -> list[Rep]:
    cursor.execute(
        tables.sql(
            "SELECT CAST(r.rep_id AS TEXT), r.name, CAST(r.team_id AS TEXT), t.name,"
            " r.territory FROM {reps} r"
            " LEFT JOIN {teams} t ON t.team_id = r.team_id WHERE r.active = TRUE"
            " ORDER BY r.name, r.rep_id"
        )
    )
    return [
        Rep(str(r[0]), r[1], None if r[2] is None else str(r[2]), r[3], r[4])
        for r in cursor.fetchall()
    ]


def targets(
    cursor: Cursor, tables: Tables, periods: list[Period], reps: list[Rep]
) -> list[dict[Key, dict[str, Decimal]]]:
    """Per period: per metric key, each rep's target in force for it (one
    query: every revision of the standards of the periods' kind)."""
    cursor.execute(tables.sql(STANDARDS), [periods[0].kind])
    revisions: dict[Any, list[tuple[Any, Any]]] = defaultdict(list)
    standards: dict[Any, tuple[Any, ...]] = {}
    for standard_id, *definition, effective_from, target in cursor.fetchall():
        standards[standard_id] = tuple(definition)
        revisions[standard_id].append((_date(effective_from), target))
    named = _by_subject(reps)
    applied: dict[tuple[tuple[Any, str], ...], dict[Key, dict[str, Decimal]]] = {}
    found = []
    for period in periods:  # periods with the same targets in force share them
        now = _current(revisions, period)
        at = tuple((k, str(v)) for k, v in now.items())  # 40 and 40.0 differ
        if at not in applied:
            applied[at] = _in_force(standards, now, reps, named)
        found.append(applied[at])
    return found


def _current(
    revisions: dict[Any, list[tuple[Any, Any]]], period: Period
) -> dict[Any, Any]:
    """Per standard: its target in force for ``period`` (the last revision
    effective by its last day); a retired one's None."""
    found = {}
    for standard_id, dated in revisions.items():
        target = None
        for day, value in dated:  # by date
            if day <= period.last:
                target = value
        if target is not None:
            found[standard_id] = target
    return found


def _date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _in_force(
    standards: dict[Any, tuple[Any, ...]],
    current: dict[Any, Any],
    reps: list[Rep],
    named: dict[str, dict[str | None, list[Rep]]],
) -> dict[Key, dict[str, Decimal]]:
    chosen: dict[tuple[Key, str], tuple[int, Decimal]] = {}
    for standard_id, target in current.items():
        metric, kind, currency, scope, subject = standards[standard_id]
        rank, amount = SPECIFIC.index(scope), money(target)
        applies = reps if scope == "everyone" else named[scope].get(subject, ())
        for rep in applies:
            at = ((metric, kind, currency), rep.rep_id)
            if at not in chosen or rank <= chosen[at][0]:
                chosen[at] = (rank, amount)
    found: dict[Key, dict[str, Decimal]] = defaultdict(dict)
    for (key, rep_id), (_, target) in chosen.items():
        found[key][rep_id] = target
    return found


def _by_subject(reps: list[Rep]) -> dict[str, dict[str | None, list[Rep]]]:
    """Per scope but everyone: the reps a standard naming each subject applies
    to (``Rep.subject``)."""
    named: dict[str, dict[str | None, list[Rep]]] = {}
    for scope in SPECIFIC[:-1]:
        named[scope] = defaultdict(list)
        for rep in reps:
            named[scope][rep.subject(scope)].append(rep)
    return named


def cells(
    members: dict[str, str],
    wanted: dict[Key, dict[str, Decimal]],
    tallies: dict[Key, dict[tuple[str, int], Tally]],
    index: int,
) -> dict[tuple[str, Key], Cell]:
    """Per (member, key): the member's standard and actual in window
    ``index``. ``members``: each rep's member (reps in none are left out)."""
    found: dict[tuple[str, Key], Cell] = {}
    for key, by_rep in wanted.items():
        counted = tallies.get(key, {})
        pooled: dict[str, list[Any]] = {}
        for rep_id, target in by_rep.items():
            member = members.get(rep_id)
            if member is None:
                continue
            acc = pooled.get(member)
            if acc is None:
                acc = pooled[member] = [ZERO, ZERO, ZERO, 0]
            tally = counted.get((rep_id, index))
            if tally is not None:
                acc[0] += tally[0]
                acc[1] += tally[1]
            acc[2] += target
            acc[3] += 1
        _pooled(key, pooled, found)
    return found


def _pooled(
    key: Key, pooled: dict[str, list[Any]], found: dict[tuple[str, Key], Cell]
) -> None:
    """The cells of ``cells``' sums (numerator, denominator, targets, reps)."""
    measure = MEASURES[key[0]]
    if measure.denominator is None:  # a count or amount: sums
        for member, (num, _, total, _) in pooled.items():
            found[(member, key)] = Cell(total, num)
        return
    scale = measure.scale
    for member, (num, den, total, count) in pooled.items():
        standard = total if count == 1 else total / count  # the same, exactly
        found[(member, key)] = Cell(standard, num * scale / den if den else None)


def control_report(
    cursor: Cursor,
    tables: Tables,
    *,
    period: Period,
    scope: str,
    until: datetime,
    trend: int = 3,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[Line]:
    """A ``Line`` per member and metric key with a standard in ``period``, its
    ``trend`` the ``trend`` periods before (oldest first). ``until``: the
    moment asked about (the on-time shares count what was due by then)."""
    reps = active_reps(cursor, tables)
    periods = [period.previous(n) for n in range(trend, 0, -1)] + [period]
    wanted = targets(cursor, tables, periods, reps)
    keys = sorted({key for w in wanted for key in w}, key=str)
    windows = [window(p) for p in periods]
    tallies = measure(cursor, tables, keys, windows, until)
    members = {r.rep_id: m[0] for r in reps if (m := r.member(scope))}
    names = {m[0]: m[1] for rep in reps if (m := rep.member(scope))}
    labels = [p.label for p in periods[:-1]]
    if len(set(members.values())) == len(members):  # a rep a member
        return alone_lines(members, names, wanted, tallies, labels, thresholds)
    grid = [cells(members, w, tallies, i) for i, w in enumerate(wanted)]
    before = list(zip(labels, grid[:-1], strict=True))
    status = thresholds.status
    return [
        Line(
            at[0],
            names[at[0]],
            at[1],
            cell.standard,
            cell.actual,
            status(at[1][0], cell.standard, cell.actual),
            [(label, earlier.get(at)) for label, earlier in before],
        )
        for at, cell in grid[-1].items()
    ]
