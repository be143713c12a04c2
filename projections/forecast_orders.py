"""The orders the forecast counts: each order's total as an interval of time,
from its placement until it is cancelled or returned, so that a forecast as
of any moment takes the orders of that moment (``forecast_query``).

What must hold:
- An order counts from ``valid_from`` (the moment it was placed) until
  ``valid_to`` (the moment it was cancelled or returned; null while it
  stands). An order placed after T does not count as of T; one cancelled or
  returned at or before T no longer does.
- A deal has at most one order (``order_id_for``), so at most one row per
  deal holds at any moment.
- A timestamp earlier than the placement (a clock set back) ends the
  interval at its start (a zero-length interval), as for deal states.
"""

from __future__ import annotations

from typing import Any

from projections.agenda import utc
from projections.view import Step

TABLE = (
    "order_id UUID PRIMARY KEY, opportunity_id UUID NOT NULL,"
    " total NUMERIC NOT NULL, currency TEXT NOT NULL,"
    " valid_from TIMESTAMPTZ NOT NULL, valid_to TIMESTAMPTZ,"
    " from_position BIGINT NOT NULL, to_position BIGINT"
)
INDEX = "{orders} (opportunity_id, valid_from)"


def placed(step: Step, event: Any) -> None:
    """The order's interval starts (a replay of the event changes nothing)."""
    step.execute(
        "INSERT INTO {orders} (order_id, opportunity_id, total, currency,"
        " valid_from, from_position) VALUES (%s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (order_id) DO NOTHING",
        event.originator_id,
        event.opportunity_id,
        event.total,
        event.currency,
        utc(event.timestamp),
        step.position,
    )


def withdrawn(step: Step, event: Any) -> None:
    """Cancelled or returned: the order's interval ends."""
    at = utc(event.timestamp)
    step.execute(
        "UPDATE {orders} SET to_position = %s, valid_to ="
        " CASE WHEN valid_from > %s THEN valid_from ELSE %s END"
        " WHERE order_id = %s AND valid_to IS NULL",
        step.position,
        at,
        at,
        event.originator_id,
    )
