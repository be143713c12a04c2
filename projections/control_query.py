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
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from domain.periods import Period
from domain.standard import lower_is_better
from projections.control_measures import MEASURES, Key, Tally, measure
from projections.forecast_query import money
from projections.view import Cursor, Tables

SPECIFIC = ("rep", "team", "territory", "everyone")
STANDARDS = (
    "SELECT s.standard_id, s.metric, s.activity_kind, s.currency, s.scope,"
    " s.subject, t.target FROM {standards} s JOIN {targets} t"
    " ON t.standard_id = s.standard_id WHERE s.period_kind = %s"
    " AND t.effective_from = (SELECT MAX(u.effective_from) FROM {targets} u"
    " WHERE u.standard_id = s.standard_id AND u.effective_from <= %s)"
    " AND t.target IS NOT NULL ORDER BY t.effective_from, s.standard_id"
)


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


@dataclass
class Rep:
    rep_id: str
    name: str
    team_id: str | None
    team_name: str | None
    territory: str | None

    def member(self, scope: str) -> tuple[str, str] | None:
        """(member id, member name) in ``scope``; None: not in any."""
        if scope == "rep":
            return self.rep_id, self.name
        if scope == "team":
            return (self.team_id, self.team_name or "") if self.team_id else None
        if scope == "territory":
            return (self.territory, self.territory) if self.territory else None
        return "everyone", "everyone"


@dataclass
class Cell:
    """One member and metric in one period."""

    standard: Decimal
    actual: Decimal | None


@dataclass
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


def window(period: Period) -> tuple[datetime, datetime]:
    start = datetime.combine(period.first, time(), UTC)
    return start, datetime.combine(period.last + timedelta(days=1), time(), UTC)


def active_reps(cursor: Cursor, tables: Tables) -> list[Rep]:
    cursor.execute(
        tables.sql(
            "SELECT r.rep_id, r.name, r.team_id, t.name, r.territory FROM {reps} r"
            " LEFT JOIN {teams} t ON t.team_id = r.team_id WHERE r.active = TRUE"
            " ORDER BY r.name, r.rep_id"
        )
    )
    return [
        Rep(str(r[0]), r[1], None if r[2] is None else str(r[2]), r[3], r[4])
        for r in cursor.fetchall()
    ]


def targets(
    cursor: Cursor, tables: Tables, period: Period, reps: list[Rep]
) -> dict[Key, dict[str, Decimal]]:
    """Per metric key, each rep's target in force for ``period``."""
    cursor.execute(tables.sql(STANDARDS), [period.kind, period.last])
    chosen: dict[tuple[Key, str], tuple[int, Decimal]] = {}
    for _, metric, kind, currency, scope, subject, target in cursor.fetchall():
        rank = SPECIFIC.index(scope)
        for rep in reps:
            applies = {
                "rep": rep.rep_id,
                "team": rep.team_id,
                "territory": rep.territory,
            }.get(scope)
            if scope != "everyone" and (applies is None or applies != subject):
                continue
            at = ((metric, kind, currency), rep.rep_id)
            if at not in chosen or rank <= chosen[at][0]:
                chosen[at] = (rank, money(target))
    found: dict[Key, dict[str, Decimal]] = defaultdict(dict)
    for (key, rep_id), (_, target) in chosen.items():
        found[key][rep_id] = target
    return found


def cells(
    reps: list[Rep],
    scope: str,
    wanted: dict[Key, dict[str, Decimal]],
    tallies: dict[Key, dict[tuple[str, int], Tally]],
    index: int,
) -> dict[tuple[str, Key], Cell]:
    """Per (member, key): the member's standard and actual in window ``index``."""
    pooled: dict[tuple[str, Key], tuple[Tally, list[Decimal]]] = {}
    for key, by_rep in wanted.items():
        for rep in reps:
            member = rep.member(scope)
            if member is None or rep.rep_id not in by_rep:
                continue
            tally, standards = pooled.setdefault((member[0], key), (Tally(), []))
            tally += tallies[key].get((rep.rep_id, index), Tally())
            standards.append(by_rep[rep.rep_id])
    found: dict[tuple[str, Key], Cell] = {}
    for (member_id, key), (tally, standards) in pooled.items():
        total = sum(standards, Decimal(0))
        if MEASURES[key[0]].denominator is not None:
            total /= len(standards)
        found[(member_id, key)] = Cell(total, tally.value(key[0]))
    return found


def control_report(
    cursor: Cursor,
    tables: Tables,
    *,
    period: Period,
    scope: str,
    until: datetime,
    trend: int = 3,
    thresholds: Thresholds = Thresholds(),
) -> list[Line]:
    """A ``Line`` per member and metric key with a standard in ``period``, its
    ``trend`` the ``trend`` periods before (oldest first). ``until``: the
    moment asked about (the on-time shares count what was due by then)."""
    reps = active_reps(cursor, tables)
    periods = [period.previous(n) for n in range(trend, 0, -1)] + [period]
    wanted = [targets(cursor, tables, p, reps) for p in periods]
    keys = sorted({key for w in wanted for key in w}, key=str)
    windows = [window(p) for p in periods]
    tallies = {k: measure(cursor, tables, k, windows, until) for k in keys}
    grid = [cells(reps, scope, w, tallies, i) for i, w in enumerate(wanted)]
    names = {m[0]: m[1] for rep in reps if (m := rep.member(scope))}
    lines = []
    for (member, key), cell in grid[-1].items():
        status = thresholds.status(key[0], cell.standard, cell.actual)
        history = [
            (p.label, g.get((member, key))) for p, g in zip(periods, grid, strict=True)
        ]
        lines.append(
            Line(
                member,
                names[member],
                key,
                cell.standard,
                cell.actual,
                status,
                history[:-1],
            )
        )
    return lines
