"""Forecast and report periods: a calendar month, or a fiscal quarter or year.

What must hold:
- ``2026-11`` is the calendar month; ``2026-Q4`` and ``2026`` are fiscal: the
  fiscal year starts on the first of month ``fy_start`` (1 = January) and is
  named by the calendar year it **ends** in (with ``fy_start=4``, ``2026`` is
  2025-04-01 to 2026-03-31 and ``2026-Q1`` is April to June 2025).
- ``first`` and ``last`` are both inside the period (inclusive dates), and
  ``previous`` is the period of the same kind that ends the day before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_FORM = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])))?$")
MONTH, QUARTER, YEAR = "month", "quarter", "year"


class BadPeriod(ValueError):
    pass


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    first: date
    last: date
    fy_start: int = 1

    @property
    def months(self) -> int:
        return {MONTH: 1, QUARTER: 3, YEAR: 12}[self.kind]

    def previous(self, count: int = 1) -> Period:
        """The period of this kind ``count`` periods earlier."""
        first = _add_months(self.first, -self.months * count)
        return of_kind(self.kind, first, self.fy_start)

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last


def of_kind(kind: str, day: date, fy_start: int = 1) -> Period:
    """The period of ``kind`` holding ``day``."""
    if kind == MONTH:
        return parse(f"{day.year:04d}-{day.month:02d}", fy_start)
    offset = (day.month - fy_start) % 12  # months into the fiscal year
    fiscal_year = _add_months(date(day.year, day.month, 1), 11 - offset).year
    if kind == YEAR:
        return parse(f"{fiscal_year:04d}", fy_start)
    return parse(f"{fiscal_year:04d}-Q{offset // 3 + 1}", fy_start)


def parse(text: str, fy_start: int = 1) -> Period:
    """``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``; ``BadPeriod`` otherwise."""
    found = _FORM.match(text)
    if not found or not 1 <= fy_start <= 12:
        raise BadPeriod(f"{text!r} is not a period: YYYY-MM, YYYY-Qn or YYYY")
    year, month, quarter = int(found[1]), found[2], found[3]
    if month is not None:
        if not 1 <= int(month) <= 12 or year < 1:
            raise BadPeriod(f"{text!r}: no month {month}")
        first, kind, months = date(year, int(month), 1), MONTH, 1
    else:
        if year < 2:
            raise BadPeriod(f"{text!r}: no fiscal year {year}")
        year_first = _add_months(date(year, fy_start, 1), -12 if fy_start > 1 else 0)
        q = int(quarter) if quarter else 0
        first = _add_months(year_first, 3 * (q - 1)) if q else year_first
        kind, months = (QUARTER, 3) if q else (YEAR, 12)
    try:
        last = _add_months(first, months) - timedelta(days=1)
    except ValueError:
        raise BadPeriod(f"{text!r} is beyond the calendar") from None
    return Period(kind, text, first, last, fy_start)
