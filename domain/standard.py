"""Standard: a performance standard a manager sets, e.g. "each rep completes
60 calls a month" or "the west territory wins 250 000 a quarter".

What must hold:
- A standard is a target **per rep**: its scope says which reps it applies
  to (one rep, a team's members, a territory's reps, everyone); for each rep
  the most specific standard of a metric applies.
- A standard measures one metric of ``METRICS`` (the activity metrics may
  name one activity kind), over periods of one kind (month, quarter, year),
  for one scope: a rep, a team, a territory, or everyone.
- An amount metric (``MONEY``) names its currency: only deals in it count.
- Its target is a ``Decimal``, never negative (a share is 0-100, in %).
- Its targets form a history: each revision takes effect on its date, and
  the target in force for a period is that of the latest revision effective
  on or before the period's last day. A revision never rewrites an earlier
  one, so a report for a past period uses the standard in force then.
  Retiring it is a revision with no target.
- Metric, scope and period kind never change: a different one is a new
  standard.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check

# metric -> (what it counts, whether lower is better)
METRICS: dict[str, tuple[str, bool]] = {
    "activities_completed": ("activities completed (of a kind, if named)", False),
    "new_opportunities": ("opportunities opened", False),
    "pipeline_created": ("amount of the opportunities opened", False),
    "stage_advances": ("moves to a stage of higher win probability", False),
    "deals_won": ("opportunities won", False),
    "won_amount": ("amount won (the quota)", False),
    "win_rate": ("won / (won + lost), in %", False),
    "avg_sales_cycle_days": ("days from opening to winning, on average", True),
    "avg_minutes_per_activity": ("minutes per completed activity", False),
    "planned_on_time_share": ("% of planned activities done by their day", False),
    "follow_ups_on_time_share": ("% of follow-ups done by their due day", False),
}
KIND_METRICS = ("activities_completed", "avg_minutes_per_activity")
MONEY = ("pipeline_created", "won_amount")
SHARES = ("win_rate", "planned_on_time_share", "follow_ups_on_time_share")
SCOPES = ("rep", "team", "territory", "everyone")
PERIOD_KINDS = ("month", "quarter", "year")
ACTIVITY_KINDS = ("call", "meeting", "visit", "email", "task")


def lower_is_better(metric: str) -> bool:
    return METRICS[metric][1]


def check_target(metric: str, target: Decimal) -> None:
    check(target >= 0, "target_negative", f"target {target} is negative")
    if metric in SHARES:
        check(target <= 100, "share_range", f"a share of {target} % is over 100")


def check_definition(
    metric: str,
    activity_kind: str | None,
    currency: str | None,
    scope: str,
    subject: str | None,
) -> None:
    check(metric in METRICS, "metric_unknown", f"no metric {metric!r}")
    check(
        (currency is not None) == (metric in MONEY),
        "standard_currency",
        f"an amount metric names its currency, another none ({metric})",
    )
    check(
        activity_kind is None
        or (metric in KIND_METRICS and activity_kind in ACTIVITY_KINDS),
        "activity_kind",
        f"{metric} cannot be of activity kind {activity_kind!r}",
    )
    check(scope in SCOPES, "scope_unknown", f"no scope {scope!r}")
    check(
        (subject is None) == (scope == "everyone"),
        "scope_subject",
        "a rep, team or territory scope names its subject; everyone names none",
    )


class Standard(SalesAggregate):
    @classmethod
    def define(cls, id: UUID, **fields: Any) -> Standard:
        """``fields``: the parameters of ``__init__``."""
        check_definition(
            fields["metric"],
            fields.get("activity_kind"),
            fields.get("currency"),
            fields["scope"],
            fields.get("subject"),
        )
        check(
            fields["period_kind"] in PERIOD_KINDS,
            "period_kind",
            f"no period kind {fields['period_kind']!r}",
        )
        check_target(fields["metric"], fields["target"])
        return cls(id=id, **fields)

    @event("Set")
    def __init__(
        self,
        id: UUID,
        metric: str,
        target: Decimal,
        scope: str,
        period_kind: str,
        effective_from: date,
        subject: str | None = None,
        activity_kind: str | None = None,
        currency: str | None = None,
    ) -> None:
        self.metric = metric
        self.currency = currency
        self.scope = scope
        self.subject = subject
        self.activity_kind = activity_kind
        self.period_kind = period_kind
        self.revisions: tuple[tuple[date, Decimal | None], ...] = (
            (effective_from, target),
        )

    @property
    def target(self) -> Decimal | None:
        """The target of the latest revision (None: retired)."""
        return self.revisions[-1][1]

    def target_for(self, last_day: date) -> Decimal | None:
        """The target in force for a period ending on ``last_day``."""
        found = [t for day, t in self.revisions if day <= last_day]
        return found[-1] if found else None

    def revise(self, target: Decimal | None, effective_from: date) -> None:
        """A new target (``None``: retire) from ``effective_from``, which must
        not be before the latest revision's date."""
        if target is not None:
            check_target(self.metric, target)
        latest, current = self.revisions[-1]
        check(
            effective_from >= latest,
            "revision_order",
            f"the latest revision takes effect on {latest}",
        )
        if (effective_from, target) != (latest, current):
            self._revised(target=target, effective_from=effective_from, old=current)

    @event("Revised")
    def _revised(
        self, target: Decimal | None, effective_from: date, old: Decimal | None
    ) -> None:
        history = [r for r in self.revisions if r[0] != effective_from]
        self.revisions = (*history, (effective_from, target))
