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
- Orders are kept as intervals too (``forecast_orders``): a won deal's
  closed figure is its order's total while the order stands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from domain.account import Account
from domain.opportunity import Opportunity
from domain.order import Order
from domain.rep import Rep
from projections import forecast_orders
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


def _next(column: str, changes: dict[str, Any]) -> tuple[str, list[Any]]:
    """The next state's ``column``, selected from the state the event ends:
    the SQL expression, and its parameters."""
    if column in changes:
        return "%s", [changes[column]]
    if column == "seq":
        return "seq + 1", []
    if column == "valid_from":
        return "valid_to", []  # the moment the previous state ended
    if column == "forecast_date":
        closed, closed_values = _next("closed_on", changes)
        expected, expected_values = _next("expected_close_date", changes)
        return f"COALESCE({closed}, {expected})", closed_values + expected_values
    return column, []


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
        "orders": forecast_orders.TABLE,
    }
    indexes: ClassVar[dict[str, str]] = {
        "current": "{deal_intervals} (forecast_date) WHERE valid_to IS NULL",
        "as_of": "{deal_intervals} (forecast_date, valid_from)",
        "attribute_now": "{attributes} (subject_id, attribute, valid_to)",
        "order_of_deal": forecast_orders.INDEX,
    }

    @handles(*DEAL_EVENTS)
    def deal_changed(self, step: Step, event: Any) -> None:
        """Writes only: the current state is closed and the next one copied
        from it with the event's changes, in SQL (no read, no round trip)."""
        changes = CHANGES[type(event).__name__](event)
        if type(event).__name__ == "Opened":
            self.deal_opened(step, event, changes)
            return
        at, deal = utc(event.timestamp), event.originator_id
        step.execute(
            "UPDATE {deal_intervals} SET to_position = %s, valid_to ="
            " CASE WHEN valid_from > %s THEN valid_from ELSE %s END"
            " WHERE opportunity_id = %s AND valid_to IS NULL",
            step.position,
            at,
            at,
            deal,
        )
        picked, params = [], []
        for column in COLUMNS:
            expression, values = _next(column, changes)
            picked.append(expression)
            params += values
        step.execute(
            f"INSERT INTO {{deal_intervals}} ({', '.join(COLUMNS)}, from_position)"
            f" SELECT {', '.join(picked)}, %s FROM {{deal_intervals}}"
            " WHERE opportunity_id = %s AND to_position = %s",
            *params,
            step.position,
            deal,
            step.position,
        )

    def deal_opened(self, step: Step, event: Any, state: dict[str, Any]) -> None:
        state = state | {"opportunity_id": event.originator_id, "seq": 0}
        state |= {"forecast_date": state["expected_close_date"]}
        state["valid_from"] = utc(event.timestamp)
        step.execute(
            f"INSERT INTO {{deal_intervals}} ({', '.join(COLUMNS)}, from_position)"
            f" VALUES ({', '.join(['%s'] * (len(COLUMNS) + 1))})"
            " ON CONFLICT (opportunity_id, seq) DO NOTHING",
            *[state[c] for c in COLUMNS],
            step.position,
        )

    @handles(event_class(Order, "Placed"))
    def order_placed(self, step: Step, event: Any) -> None:
        forecast_orders.placed(step, event)

    @handles(event_class(Order, "Cancelled"), event_class(Order, "Returned"))
    def order_withdrawn(self, step: Step, event: Any) -> None:
        forecast_orders.withdrawn(step, event)

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
        """A new interval of ``attribute`` of the event's record (writes only:
        the current one is closed, the next numbered after it, in SQL)."""
        subject, at = event.originator_id, utc(event.timestamp)
        step.execute(
            "UPDATE {attributes} SET to_position = %s, valid_to ="
            " CASE WHEN valid_from > %s THEN valid_from ELSE %s END"
            " WHERE subject_id = %s AND attribute = %s AND valid_to IS NULL",
            step.position,
            at,
            at,
            subject,
            attribute,
        )
        step.execute(
            "INSERT INTO {attributes} (subject_id, attribute, seq, value,"
            " valid_from, from_position) SELECT %s, %s, COALESCE(MAX(seq) + 1, 0),"
            " %s, COALESCE(MAX(CASE WHEN to_position = %s THEN valid_to END), %s), %s"
            " FROM {attributes} WHERE subject_id = %s AND attribute = %s",
            subject,
            attribute,
            None if value is None else str(value),
            step.position,
            at,
            step.position,
            subject,
            attribute,
        )
