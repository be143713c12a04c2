"""``COPY`` for the plain inserts of a view batch on PostgreSQL.

A run of many single-row ``INSERT``s into one table (no ``ON CONFLICT``)
loads faster with ``COPY ... FROM STDIN``: no statement to parse per row, and
no quoting of each value through the driver's adapters. What must hold:

- The rows that reach the table are those the ``INSERT``s would have written:
  each value in ``COPY``'s text format, escaped (backslash, tab, newline,
  carriage return), ``None`` as ``\\N``.
- A value of a type not listed here makes ``copy_rows`` decline (it returns
  ``False`` having sent nothing) and the caller inserts as before.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg2.extensions

_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def _text(value: str) -> str:
    for char, escaped in _ESCAPES:  # the backslash first
        if char in value:
            value = value.replace(char, escaped)
    return value


_FORMATS: dict[type, Callable[[Any], str]] = {
    str: _text,
    int: str,
    float: repr,
    bool: lambda value: "t" if value else "f",
    UUID: str,
    Decimal: str,
    datetime: datetime.isoformat,
    date: date.isoformat,
    type(None): lambda value: "\\N",
}


class Decline(Exception):
    """A value ``COPY`` text cannot be made of here."""


def _line(row: Sequence[Any]) -> str:
    try:
        return "\t".join([_FORMATS[type(value)](value) for value in row])
    except KeyError as e:
        raise Decline(str(e)) from None


class CopyCursor(psycopg2.extensions.cursor):
    """A cursor that can load rows with ``COPY`` (``Batch`` asks for it)."""

    def copy_rows(
        self, table: str, columns: str, rows: Sequence[Sequence[Any]]
    ) -> bool:
        """Loads ``rows`` into ``table`` (``columns``: the insert's column
        list, with its parentheses, or ``""``); ``False``: declined, nothing
        sent."""
        try:
            text = "\n".join(map(_line, rows)) + "\n"
        except Decline:
            return False
        self.copy_expert(f"COPY {table} {columns} FROM STDIN", io.StringIO(text))
        return True
