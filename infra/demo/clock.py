"""Back-dating: what the seeder records inside ``backdated(moment)`` is
stamped ``moment``, as if it had been done then.

What must hold:
- Every clock the write side reads is replaced, in this one place: the
  event timestamps (``eventsourcing.domain.datetime_now_with_tzinfo``, which
  every event's ``timestamp`` comes from), the day quotes are sent and
  accepted on (``commands.quotes.today``, imported by name into
  ``commands.quote_decisions``), and the moment the outreach ledger prunes
  against (``commands.activities_outreach.now``).
- The replacement is process-wide and not thread-safe: the seeder runs
  alone in its own process (``sfa demo seed``), one command at a time.
  Nothing in the domain or command code knows about it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime
from unittest import mock

_NOW = (
    "eventsourcing.domain.datetime_now_with_tzinfo",
    "commands.activities_outreach.now",
)
_TODAY = ("commands.quotes.today", "commands.quote_decisions.today")


@contextmanager
def backdated(moment: datetime) -> Iterator[None]:
    """Inside, "now" is ``moment`` (timezone-aware, turned to UTC)."""
    moment = moment.astimezone(UTC)

    def now() -> datetime:
        return moment

    def today() -> date:
        return moment.date()

    with ExitStack() as stack:
        for target in _NOW:
            stack.enter_context(mock.patch(target, now))
        for target in _TODAY:
            stack.enter_context(mock.patch(target, today))
        yield
