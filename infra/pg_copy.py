"""``COPY`` for the plain inserts of a view batch on PostgreSQL, and the
binding of its other statements.

A run of many single-row ``INSERT``s into one table (no ``ON CONFLICT``)
loads faster with ``COPY ... FROM STDIN``: no statement to parse per row, and
no quoting of each value through the driver's adapters. What must hold:

- The rows that reach the table are those the ``INSERT``s would have written:
  each value in ``COPY``'s text format, escaped (backslash, tab, newline,
  carriage return), ``None`` as ``\\N``.
- A value of a type not listed here makes ``copy_rows`` decline (it returns
  ``False`` having sent nothing) and the caller inserts as before.
- ``bind`` gives exactly the text the driver's ``mogrify`` gives (decoded),
  for the values it knows (and ``standard_conforming_strings`` on); for
  anything else it asks ``mogrify``.
- ``bind_prepared`` gives an ``EXECUTE`` of a statement prepared on the
  connection that writes what ``bind``'s text writes: each parameter is
  declared of the type PostgreSQL gives the literal ``bind`` puts in its
  place (``unknown`` for quoted text and ``NULL``: inferred from the
  context, as the literal's type is), and gets that literal. A statement
  that cannot be prepared goes as ``bind`` gives it.
"""

from __future__ import annotations

import functools
import io
import re
import weakref
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
_UUID_OID = 2950  # PostgreSQL's type uuid
_SPECIAL = re.compile(r"[\\\t\n\r]")  # what _text escapes


def _column(values: Sequence[Any], uuid: bool = False) -> Sequence[str]:
    """One column's values as ``COPY`` text: a column of one type (and
    ``None``) by that type's format, looked up once; texts checked for
    anything to escape all at once. ``uuid``: the column is of type ``uuid``,
    which reads UUIDs as 32 hex digits (cheaper than ``str``)."""
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
    if kind is UUID and uuid:
        return [_NULL if v is None else f"{v.int:032x}" for v in values]
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


def _lines(rows: Sequence[Sequence[Any]], uuids: Sequence[bool]) -> str:
    """The rows as ``COPY`` text, made a column at a time; ``uuids``: which
    columns are of type ``uuid`` (one flag per value of a row)."""
    by_column = zip(*rows, strict=True)
    columns = [
        _column(values, uuid) for values, uuid in zip(by_column, uuids, strict=True)
    ]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


_IDLE = psycopg2.extensions.TRANSACTION_STATUS_IDLE
_IN_TRANSACTION = psycopg2.extensions.TRANSACTION_STATUS_INTRANS

_TOKENS = re.compile(r"(%%|%s|%)")


@functools.lru_cache(maxsize=1024)
def _pieces(sql: str) -> tuple[str, ...] | None:
    """The text around each ``%s`` of ``sql`` (``%%`` read as ``%``), as the
    driver reads it; ``None`` for any other use of ``%``."""
    pieces = [""]
    for token in _TOKENS.split(sql):
        if token == "%s":
            pieces.append("")
        elif token == "%%":
            pieces[-1] += "%"
        elif token == "%":
            return None
        else:
            pieces[-1] += token
    return tuple(pieces)


def _quoted(value: str) -> str:
    if "\x00" in value:
        raise Decline("NUL")  # the driver refuses it
    return "'" + value.replace("'", "''") + "'"


def _number(value: int | Decimal) -> str:
    if type(value) is Decimal and not value.is_finite():
        raise Decline("not finite")
    text = str(value)
    return " " + text if text.startswith("-") else text


def _moment(value: datetime) -> str:
    kind = "timestamptz" if value.tzinfo is not None else "timestamp"
    return f"'{value.isoformat()}'::{kind}"


_LITERALS: dict[type, Callable[[Any], str]] = {
    str: _quoted,
    int: _number,
    Decimal: _number,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "NULL",
    UUID: lambda value: f"'{value.int:032x}'::uuid",  # as pg_datastore binds it
    datetime: _moment,
    date: lambda value: f"'{value.isoformat()}'::date",
}


def _number_kind(value: int | Decimal) -> str:
    """The type of ``_number(value)`` as PostgreSQL's parser gives it."""
    if type(value) is Decimal:
        text = _number(value)
        if not re.fullmatch(r" ?-?[0-9]+", text):
            return "numeric"
        value = int(text)
    if -(2**31) <= value < 2**31:
        return "int4"
    return "int8" if -(2**63) <= value < 2**63 else "numeric"


# the type of each kind's literal (``_LITERALS``): text and NULL are unknown
_KINDS: dict[type, str | Callable[[Any], str]] = {
    str: "unknown",
    type(None): "unknown",
    bool: "boolean",
    UUID: "uuid",
    date: "date",
    int: _number_kind,
    Decimal: _number_kind,
    datetime: lambda value: "timestamp" if value.tzinfo is None else "timestamptz",
}


def _kind(value: Any) -> str:
    kind = _KINDS[type(value)]
    return kind if type(kind) is str else kind(value)  # type: ignore[operator]


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_UNSURE = re.compile(r"['\"$;\\]|--|/\*")


@functools.lru_cache(maxsize=1024)
def _numbered(sql: str) -> str | None:
    """``sql`` with its ``%s`` as ``$1``, ``$2``...; ``None`` where that
    cannot be told safely (``%`` in a quoted part, ``%%``, other uses of
    ``%``, dollar quotes, comments, backslashes, several statements)."""
    outside = _QUOTED.sub(" ", sql)
    if _UNSURE.search(outside) or any("%" in q for q in _QUOTED.findall(sql)):
        return None
    pieces = _pieces(sql)
    if pieces is None or "%" in "".join(pieces):
        return None
    return "".join(
        piece + (f"${n}" if n < len(pieces) else "")
        for n, piece in enumerate(pieces, start=1)
    )


PREPARED_MAX = 256  # statements prepared per connection; more go bound

# per connection: (statement, parameter types) -> its prepared name, or
# None if it could not be prepared
_prepared: weakref.WeakKeyDictionary[Any, dict[tuple[str, tuple[str, ...]], str | None]]
_prepared = weakref.WeakKeyDictionary()


class CopyCursor(psycopg2.extensions.cursor):
    """A cursor that can load rows with ``COPY`` (``Batch`` asks for it)."""

    def copy_rows(
        self, table: str, columns: str, rows: Sequence[Sequence[Any]]
    ) -> bool:
        """Loads ``rows`` into ``table`` (``columns``: the insert's column
        list, with its parentheses, or ``""``); ``False``: declined, nothing
        written."""
        uuids = self._uuid_columns(table, columns)
        if len(uuids) != len(rows[0]):  # an INSERT filling only the first columns
            return False
        try:
            text = _lines(rows, uuids)
        except Decline:
            return False
        self.copy_expert(f"COPY {table} {columns} FROM STDIN", io.StringIO(text))
        return True

    def _uuid_columns(self, table: str, columns: str) -> list[bool]:
        """Which of the columns are of type ``uuid``, as the table has them
        now (asked once per cursor: a view batch changes no table's
        columns)."""
        known: dict[tuple[str, str], list[bool]] = vars(self).setdefault("_uuids", {})
        if (table, columns) not in known:
            self.execute(f"SELECT {columns.strip()[1:-1] or '*'} FROM {table} LIMIT 0")
            described = self.description or ()
            kinds = [column.type_code == _UUID_OID for column in described]
            known[(table, columns)] = kinds
        return known[(table, columns)]

    def bind(self, sql: str, params: Sequence[Any]) -> str:
        """``sql`` with ``params`` in it: ``mogrify``'s text, made here for
        the usual values (the driver spends about a microsecond on each)."""
        pieces = _pieces(sql) if sql else None  # mogrify refuses an empty one
        if (
            pieces is None
            or type(params) not in (list, tuple)
            or len(pieces) != len(params) + 1
            or not self._standard()
        ):
            return self.mogrify(sql, params).decode()
        text = [pieces[0]]
        try:
            for value, piece in zip(params, pieces[1:], strict=True):
                text += (_LITERALS[type(value)](value), piece)
        except (KeyError, Decline):
            return self.mogrify(sql, params).decode()
        return "".join(text)

    def bind_prepared(self, sql: str, params: Sequence[Any]) -> str:
        """``EXECUTE`` of ``sql`` prepared on this connection (prepared now
        if new: a round trip of its own, once), with ``params``'s literals;
        ``bind``'s text where it cannot be."""
        pieces = _pieces(sql) if sql else None
        if (
            not params
            or pieces is None
            or type(params) not in (list, tuple)
            or len(pieces) != len(params) + 1
            or not self._standard()
        ):
            return self.bind(sql, params)
        try:
            kinds = tuple([_kind(value) for value in params])
            literals = [_LITERALS[type(value)](value) for value in params]
        except (KeyError, Decline):
            return self.bind(sql, params)
        known = vars(self).get("_prepared")
        if known is None:
            known = vars(self)["_prepared"] = _prepared.setdefault(self.connection, {})
        name = known.get((sql, kinds), "")
        if name == "":
            if len(known) >= PREPARED_MAX:
                return self.bind(sql, params)
            name = self._prepare(sql, kinds, f"sfa_{len(known)}")
            known[(sql, kinds)] = name
        if name is None:
            return self.bind(sql, params)
        return f"EXECUTE {name}({','.join(literals)})"

    def _prepare(self, sql: str, kinds: tuple[str, ...], name: str) -> str | None:
        """``name`` if ``sql`` could be prepared under it; a failure leaves
        the transaction as it was."""
        numbered = _numbered(sql)
        status = self.connection.info.transaction_status
        if numbered is None or status not in (_IDLE, _IN_TRANSACTION):
            return None
        prepare = f"PREPARE {name}({','.join(kinds)}) AS {numbered}"
        if status == _IDLE:
            try:
                self.execute(prepare)
            except psycopg2.Error:
                return None
            return name
        try:
            self.execute(
                f"SAVEPOINT sfa_prepare;{prepare};RELEASE SAVEPOINT sfa_prepare"
            )
        except psycopg2.Error:
            self.execute(
                "ROLLBACK TO SAVEPOINT sfa_prepare;RELEASE SAVEPOINT sfa_prepare"
            )
            return None
        return name

    def _standard(self) -> bool:
        """Backslashes in quoted text are plain characters."""
        status = self.connection.get_parameter_status("standard_conforming_strings")
        return status == "on"
