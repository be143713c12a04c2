"""Forecast: every opportunity's forecast-relevant state as intervals of time,
so that a forecast as of any moment is one query (``forecast_query``).

What must hold:
- Each opportunity has one row per state it has been in (``seq`` 0, 1, ...):
  the state holds from ``valid_from`` (the timestamp of the event that
  started it) until ``valid_to`` (that of the next state-changing event);
  the current state has ``valid_to`` null. ``from_position``/``to_position``
  are the same bounds as log positions.
- A state at moment T is the one with ``valid_from <= T < valid_to``: the
  view of T is exactly what the events recorded up to T say. Intervals of
  one record never overlap: a timestamp earlier than the current state's
  start (a clock set back) is taken as that start (a zero-length interval).
- ``forecast_date`` is the date the deal counts in: its expected close date
  while open, the (UTC) date it was won or lost once closed.
- Rep teams and account territories are kept as intervals the same way
  (``attributes``), so grouping as of T uses the team and territory of T.
- Probability and category are those the deal recorded on entering its
  stage; a later pipeline change does not rewrite them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from domain.account import Account
from domain.opportunity import Opportunity
from domain.rep import Rep
from projections.agenda import utc
from projections.events import event_class
from projections.view import Step, View, handles

STATE = [
    "pipeline_id",
    "owner_id",
    "account_id",
    "status",
    "stage",
    "probability",
    "category",
    "amount",
    "currency",
    "expected_close_date",
    "closed_on",
]
COLUMNS = ["opportunity_id", "seq", *STATE, "forecast_date", "valid_from"]


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _opened(e: Any) -> dict[str, Any]:
    return {
        "pipeline_id": e.pipeline_id,
        "owner_id": e.owner_id,
        "account_id": e.account_id,
        "status": "open",
        "stage": e.stage,
        "probability": e.probability,
        "category": e.forecast_category,
        "amount": e.amount,
        "currency": e.currency,
        "expected_close_date": e.expected_close_date,
        "closed_on": None,
    }


def _entered(e: Any, stage: str) -> dict[str, Any]:
    return {"stage": stage, "probability": e.probability}


# the state fields each opportunity event sets
CHANGES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "Opened": _opened,
    "OwnerChanged": lambda e: {"owner_id": e.new},
    "AmountChanged": lambda e: {"amount": e.new, "currency": e.currency},
    "CloseDateChanged": lambda e: {"expected_close_date": e.new},
    "StageChanged": lambda e: (
        _entered(e, e.to_stage) | {"category": e.forecast_category}
    ),
    "Won": lambda e: (
        {"status": "won", "probability": 100, "category": "closed"}
        | {"closed_on": _day(e.timestamp), "amount": e.amount}
    ),
    "Lost": lambda e: (
        {"status": "lost", "probability": 0, "category": "omitted"}
        | {"closed_on": _day(e.timestamp)}
    ),
    "Reopened": lambda e: (
        _entered(e, e.stage)
        | {"status": "open", "category": e.forecast_category, "closed_on": None}
    ),
}
DEAL_EVENTS = tuple(event_class(Opportunity, name) for name in CHANGES)


def moment(value: Any) -> datetime:
    """A stored time as a datetime (SQLite gives ISO text)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


class Forecast(View):
    name = "forecast"
    tables: ClassVar[dict[str, str]] = {
        "deal_intervals": (
            "opportunity_id UUID NOT NULL, seq INTEGER NOT NULL,"
            " pipeline_id UUID NOT NULL, owner_id UUID, account_id UUID NOT NULL,"
            " status TEXT NOT NULL, stage TEXT NOT NULL,"
            " probability INTEGER NOT NULL, category TEXT NOT NULL,"
            " amount NUMERIC NOT NULL, currency TEXT NOT NULL,"
            " expected_close_date DATE NOT NULL, closed_on DATE,"
            " forecast_date DATE NOT NULL, valid_from TIMESTAMPTZ NOT NULL,"
            " valid_to TIMESTAMPTZ, from_position BIGINT NOT NULL,"
            " to_position BIGINT, PRIMARY KEY (opportunity_id, seq)"
        ),
        "attributes": (
            "subject_id UUID NOT NULL, attribute TEXT NOT NULL, seq INTEGER NOT NULL,"
            " value TEXT, valid_from TIMESTAMPTZ NOT NULL, valid_to TIMESTAMPTZ,"
            " from_position BIGINT NOT NULL, to_position BIGINT,"
            " PRIMARY KEY (subject_id, attribute, seq)"
        ),
    }
    indexes: ClassVar[dict[str, str]] = {
        "current": "{deal_intervals} (valid_to, forecast_date)",
        "as_of": "{deal_intervals} (forecast_date, valid_from)",
        "attribute_now": "{attributes} (subject_id, attribute, valid_to)",
    }

    @handles(*DEAL_EVENTS)
    def deal_changed(self, step: Step, event: Any) -> None:
        key = ("forecast", event.originator_id)
        current = step.lookup(
            key,
            f"SELECT {', '.join(COLUMNS)} FROM {{deal_intervals}}"
            " WHERE opportunity_id = %s AND valid_to IS NULL",
            event.originator_id,
        )
        state = dict(zip(COLUMNS, current, strict=True)) if current else {"seq": -1}
        at = utc(event.timestamp)
        if current:
            at = max(at, moment(state["valid_from"]))
            step.execute(
                "UPDATE {deal_intervals} SET valid_to = %s, to_position = %s"
                " WHERE opportunity_id = %s AND seq = %s",
                at,
                step.position,
                event.originator_id,
                state["seq"],
            )
        state |= CHANGES[type(event).__name__](event)
        state["seq"] += 1
        state["forecast_date"] = state["closed_on"] or state["expected_close_date"]
        state["opportunity_id"], state["valid_from"] = event.originator_id, at
        row = tuple(state[c] for c in COLUMNS)
        step.execute(
            f"INSERT INTO {{deal_intervals}} ({', '.join(COLUMNS)}, from_position)"
            f" VALUES ({', '.join(['%s'] * (len(COLUMNS) + 1))})",
            *row,
            step.position,
        )
        step.remember(key, row)

    @handles(event_class(Rep, "TeamChanged"))
    def team_changed(self, step: Step, event: Any) -> None:
        self.attribute(step, event, "team", event.new)

    @handles(event_class(Account, "Opened"))
    def account_opened(self, step: Step, event: Any) -> None:
        if event.territory is not None:
            self.attribute(step, event, "territory", event.territory)

    @handles(event_class(Account, "TerritoryChanged"))
    def territory_changed(self, step: Step, event: Any) -> None:
        self.attribute(step, event, "territory", event.new)

    def attribute(self, step: Step, event: Any, attribute: str, value: Any) -> None:
        """A new interval of ``attribute`` of the event's record."""
        subject = event.originator_id
        current = step.one(
            "SELECT seq, valid_from FROM {attributes} WHERE subject_id = %s"
            " AND attribute = %s AND valid_to IS NULL",
            subject,
            attribute,
        )
        at, seq = utc(event.timestamp), 0
        if current:
            at, seq = max(at, moment(current[1])), int(current[0]) + 1
            step.execute(
                "UPDATE {attributes} SET valid_to = %s, to_position = %s"
                " WHERE subject_id = %s AND attribute = %s AND seq = %s",
                at,
                step.position,
                subject,
                attribute,
                current[0],
            )
        step.execute(
            "INSERT INTO {attributes} (subject_id, attribute, seq, value,"
            " valid_from, from_position) VALUES (%s, %s, %s, %s, %s, %s)",
            subject,
            attribute,
            seq,
            None if value is None else str(value),
            at,
            step.position,
        )
