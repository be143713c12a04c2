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
- A batch keeps each deal's current state (and each attribute's current
  interval) in its cache as the table holds it, loaded for the page by
  ``prefetch``; a handler computes the next state from it and only writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


CURRENT = "forecast.deal"  # the cache key of a deal's current state
CURRENT_COLUMNS = ", ".join(["seq", *STATE, "valid_from"])
CURRENT_ONE = (
    f"SELECT {CURRENT_COLUMNS} FROM {{deal_intervals}}"
    " WHERE opportunity_id = %s AND valid_to IS NULL"
)
CURRENT_MANY = (
    f"SELECT opportunity_id, {CURRENT_COLUMNS} FROM {{deal_intervals}}"
    " WHERE valid_to IS NULL AND opportunity_id IN (%s)"
)
ATTRIBUTE_MANY = (
    "SELECT subject_id, seq, valid_from FROM {attributes}"
    " WHERE attribute = '%(attribute)s' AND valid_to IS NULL AND subject_id IN (%%s)"
)
ATTRIBUTE_ONE = (
    "SELECT seq, valid_from FROM {attributes}"
    " WHERE subject_id = %s AND attribute = %s AND valid_to IS NULL"
)
ATTRIBUTE_EVENTS = {
    event_class(Rep, "TeamChanged"): "team",
    event_class(Account, "Opened"): "territory",
    event_class(Account, "TerritoryChanged"): "territory",
}


def _ended(valid_from: Any, at: datetime) -> Any:
    """When a state that started at ``valid_from`` ends, at ``at`` (not
    before its start)."""
    return valid_from if moment(valid_from) > at else at


def moment(value: Any) -> datetime:
    """A stored time as a datetime (SQLite gives ISO text)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


class Forecast(View):
    name = "forecast"
    reads_personal_data = False  # boxes stay shut (projections.view)
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

    def prefetch(self, step: Step, events: Sequence[Any]) -> None:
        """The current state of the batch's deals and attributes."""
        deals = {e.originator_id for e in events if isinstance(e, DEAL_EVENTS)}
        if deals:
            step.preload(CURRENT, CURRENT_MANY, deals)
        for attribute in ("team", "territory"):
            subjects = {
                e.originator_id
                for e in events
                if ATTRIBUTE_EVENTS.get(type(e)) == attribute
            }
            if subjects:
                statement = ATTRIBUTE_MANY % {"attribute": attribute}
                step.preload(f"forecast.{attribute}", statement, subjects)

    @handles(*DEAL_EVENTS)
    def deal_changed(self, step: Step, event: Any) -> None:
        """Writes only: the current state (cached for the batch) is closed
        and the next one written with the event's changes."""
        changes = CHANGES[type(event).__name__](event)
        deal = event.originator_id
        current = step.lookup((CURRENT, deal), CURRENT_ONE, deal)
        if type(event).__name__ == "Opened":
            self.deal_opened(step, event, changes, current)
            return
        if current is None:
            return  # no state to follow (as the SQL it replaces: no row)
        at = utc(event.timestamp)
        seq, *values, valid_from = current
        step.execute(  # by its key: a plan that cannot scan (stale statistics)
            "UPDATE {deal_intervals} SET to_position = %s, valid_to ="
            " CASE WHEN valid_from > %s THEN valid_from ELSE %s END"
            " WHERE opportunity_id = %s AND seq = %s AND valid_to IS NULL",
            step.position,
            at,
            at,
            deal,
            seq,
        )
        state = dict(zip(STATE, values, strict=True)) | changes
        row = (seq + 1, *[state[c] for c in STATE], _ended(valid_from, at))
        self.write_state(step, deal, row)

    def write_state(self, step: Step, deal: Any, row: tuple[Any, ...]) -> None:
        """Inserts the deal's state ``row`` (seq, state, valid_from) as its
        current one, and caches it."""
        state = dict(zip(STATE, row[1:-1], strict=True))
        forecast_date = state["closed_on"] or state["expected_close_date"]
        step.execute(
            f"INSERT INTO {{deal_intervals}} ({', '.join(COLUMNS)}, from_position)"
            f" VALUES ({', '.join(['%s'] * (len(COLUMNS) + 1))})",
            deal,
            *row[:-1],
            forecast_date,
            row[-1],
            step.position,
        )
        step.remember((CURRENT, deal), row)

    def deal_opened(
        self, step: Step, event: Any, state: dict[str, Any], current: Any
    ) -> None:
        if current is not None:  # replayed: the row is kept as it is
            return
        row = (0, *[state[c] for c in STATE], utc(event.timestamp))
        self.write_state(step, event.originator_id, row)

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
        """A new interval of ``attribute`` of the event's record: the current
        one (cached for the batch) is closed, the next numbered after it."""
        subject, at = event.originator_id, utc(event.timestamp)
        key = (f"forecast.{attribute}", subject)
        current = step.lookup(key, ATTRIBUTE_ONE, subject, attribute)
        seq, valid_from = 0, at
        if current is not None:
            self.close_attribute(step, subject, attribute, at)
            seq, valid_from = current[0] + 1, _ended(current[1], at)
        step.execute(
            "INSERT INTO {attributes} (subject_id, attribute, seq, value,"
            " valid_from, from_position) VALUES (%s, %s, %s, %s, %s, %s)",
            subject,
            attribute,
            seq,
            None if value is None else str(value),
            valid_from,
            step.position,
        )
        step.remember(key, (seq, valid_from))

    def close_attribute(
        self, step: Step, subject: Any, attribute: str, at: datetime
    ) -> None:
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
