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
import re
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


_NULL = "\\N"
_SPECIAL = re.compile(r"[\\\t\n\r]")  # what _text escapes


def _column(values: Sequence[Any]) -> Sequence[str]:
    """One column's values as ``COPY`` text: a column of one type (and
    ``None``) by that type's format, looked up once; texts checked for
    anything to escape all at once."""
    kinds = set(map(type, values))
    nulls = type(None) in kinds
    kinds.discard(type(None))
    if len(kinds) != 1:
        return [_format(value) for value in values]
    kind = kinds.pop()
    if kind is str:
        texts = [v for v in values if v is not None] if nulls else values
        if _SPECIAL.search("".join(texts)):
            return [_NULL if v is None else _text(v) for v in values]
        return [_NULL if v is None else v for v in values] if nulls else values
    try:
        write = _FORMATS[kind]
    except KeyError as e:
        raise Decline(str(e)) from None
    if nulls:
        return [_NULL if v is None else write(v) for v in values]
    return list(map(write, values))


def _format(value: Any) -> str:
    try:
        return _FORMATS[type(value)](value)
    except KeyError as e:
        raise Decline(str(e)) from None


def _lines(rows: Sequence[Sequence[Any]]) -> str:
    """The rows as ``COPY`` text, made a column at a time."""
    columns = [_column(values) for values in zip(*rows, strict=True)]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


class CopyCursor(psycopg2.extensions.cursor):
    """A cursor that can load rows with ``COPY`` (``Batch`` asks for it)."""

    def copy_rows(
        self, table: str, columns: str, rows: Sequence[Sequence[Any]]
    ) -> bool:
        """Loads ``rows`` into ``table`` (``columns``: the insert's column
        list, with its parentheses, or ``""``); ``False``: declined, nothing
        sent."""
        try:
            text = _lines(rows)
        except Decline:
            return False
        self.copy_expert(f"COPY {table} {columns} FROM STDIN", io.StringIO(text))
        return True
