"""How a view batch's statements reach the database (``Batch``).

What must hold: the database ends as if each write had been sent alone, in
the order the view made it, before the next read and before the batch's
position; writes are only regrouped where that cannot be told apart (see
``Batch``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...


MAX_PENDING = 2000  # statements held before they are sent anyway
COPY_MIN = 50  # rows of a plain INSERT from which a cursor's copy_rows is used

_TARGET = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(\S+)", re.I)
_OTHER_TABLES = re.compile(r"\b(?:SELECT|FROM|USING|JOIN)\b", re.I)
_PARAMETERS = re.compile(r"\(\s*%s(?:\s*,\s*%s)*\s*\)")
_ROWS = re.compile(
    r"(\s*INSERT\s+INTO\s+\S+\s*(\([^()]*\))?\s*VALUES\s*)(\([^()]*\))(.*)",
    re.I | re.S,
)


@dataclass(frozen=True)
class Shape:
    """What a write statement is: the table it writes, and for a single-row
    ``INSERT`` that may take more rows (no ``DO UPDATE``, no ``RETURNING``)
    the text before and after its row."""

    table: str | None
    rows: tuple[str, str, str] | None
    columns: str | None = None  # a plain INSERT of parameters only: COPY-able


@functools.lru_cache(maxsize=1024)
def shape_of(sql: str) -> Shape:
    target, rows = _TARGET.match(sql), _ROWS.fullmatch(sql)
    table = target.group(1) if target else None
    if target and _OTHER_TABLES.search(sql, target.end()):
        table = None  # it may read another table: nothing may pass it
    if not rows:
        return Shape(table, None)
    head, columns, row, tail = rows.groups()
    several = tail.lstrip().startswith(",")  # VALUES (...), (...): as it came
    if several or any(word in tail.upper() for word in ("DO UPDATE", "RETURNING")):
        return Shape(table, None)
    plain = not tail.strip() and _PARAMETERS.fullmatch(row)
    return Shape(table, (head, row, tail), (columns or "") if plain else None)


class Run:
    """Consecutive writes of one statement to one table (rows, if it is an
    ``INSERT`` that may take more)."""

    def __init__(self, sql: str, shape: Shape) -> None:
        self.sql = sql
        self.shape = shape
        self.params: list[Sequence[Any]] = []

    def statements(self, merged: bool) -> Iterator[tuple[str, Sequence[Any]]]:
        """One multi-row ``INSERT`` if ``merged`` and the statement allows,
        else each write as it came."""
        if not merged or self.shape.rows is None or len(self.params) == 1:
            yield from ((self.sql, params) for params in self.params)
            return
        head, row, tail = self.shape.rows
        values = ",".join([row] * len(self.params))
        yield head + values + tail, [v for params in self.params for v in params]


class Batch:
    """What the steps of one batch share: the cursor, the writes not sent yet
    and a cache a view may keep of its own rows (``Step.lookup``).

    Writes (``INSERT``, ``UPDATE``, ``DELETE``) wait and go to the database
    together: before the next read, and by ``flush`` at the end of the batch,
    before the position is saved in the same transaction. Each write touches
    one table, so writes to different tables may pass each other: pending
    writes are kept per table, in order, and consecutive single-row
    ``INSERT``s of one statement become one multi-row ``INSERT`` (with
    ``ON CONFLICT DO NOTHING`` the first of equal keys wins, as one by one).
    On PostgreSQL they go in one round trip (each statement bound by the
    cursor's ``bind``, else its ``mogrify``, joined with ``;``; a write as
    the view made it by its ``bind_prepared`` if it has one), a read that
    follows riding along, and a run of ``COPY_MIN`` or more plain ``INSERT``s
    goes by the cursor's ``copy_rows`` (``COPY``) if it has one; a store with
    ``executemany`` gets each run of one statement that way; others get them
    one by one. ``buffered=False`` sends each write at once. A write whose
    table cannot be told, or that may read another table (``SELECT``,
    ``FROM``, ``USING`` or ``JOIN`` after its target), first sends what is
    pending. ``cache`` may come from the batch before (the runner's, see
    ``projections.runner``)."""

    def __init__(
        self,
        cursor: Cursor,
        *,
        buffered: bool = True,
        cache: dict[Any, Any] | None = None,
    ) -> None:
        self.cursor = cursor
        self.buffered = buffered
        self.pending: dict[str, list[Run]] = {}
        self.count = 0
        self.cache: dict[Any, Any] = cache if cache is not None else {}

    def write(self, sql: str, params: Sequence[Any]) -> None:
        shape = shape_of(sql)
        if shape.table is None:
            self.flush()
            table = ""
        else:
            table = shape.table
        runs = self.pending.setdefault(table, [])
        if not runs or runs[-1].sql != sql:
            runs.append(Run(sql, shape))
        runs[-1].params.append(params)
        self.count += 1
        if not self.buffered or self.count >= MAX_PENDING:
            self.flush()

    def read(self, sql: str, params: Sequence[Any]) -> None:
        """Sends the pending writes, then ``sql``; its rows are the cursor's."""
        self.flush((sql, params))

    def flush(self, read: tuple[str, Sequence[Any]] | None = None) -> None:
        runs = [run for table_runs in self.pending.values() for run in table_runs]
        self.pending, self.count = {}, 0
        if getattr(self.cursor, "mogrify", None) is not None:
            self._send_bound(runs, read)
            return
        executemany = getattr(self.cursor, "executemany", None)
        for run in runs:
            if executemany is not None and len(run.params) > 1:
                executemany(run.sql, run.params)
            else:
                for sql, params in run.statements(merged=False):
                    self.cursor.execute(sql, params)
        if read is not None:
            self.cursor.execute(*read)

    def _send_bound(
        self, runs: list[Run], read: tuple[str, Sequence[Any]] | None
    ) -> None:
        """In one round trip; a long run of a plain ``INSERT`` goes by the
        cursor's ``copy_rows`` (``COPY``) if it has one, in its turn."""
        copy_rows = getattr(self.cursor, "copy_rows", None)
        statements: list[tuple[str, Sequence[Any]]] = []
        repeated: set[str] = set()  # writes of one table, as the view made them
        for run in runs:
            columns, table = run.shape.columns, run.shape.table
            if copy_rows and columns is not None and len(run.params) >= COPY_MIN:
                self._send(statements, repeated)
                statements = []
                if copy_rows(table, columns, run.params):
                    continue
            if table is not None and "RETURNING" not in run.sql.upper():
                repeated.add(run.sql)
            statements.extend(run.statements(merged=True))
        if read is not None:
            statements.append(read)
        self._send(statements, repeated)

    def _send(
        self, statements: list[tuple[str, Sequence[Any]]], repeated: set[str]
    ) -> None:
        """Bound and joined with ``;``; a statement in ``repeated`` by the
        cursor's ``bind_prepared`` if it has one (an ``EXECUTE`` of it
        prepared on the connection, see ``infra.pg_copy``)."""
        if len(statements) == 1 and statements[0][0] not in repeated:
            self.cursor.execute(*statements[0])
        elif statements:
            bind = getattr(self.cursor, "bind", None)
            if bind is None:
                mogrify = self.cursor.mogrify  # type: ignore[attr-defined]
                bind = lambda sql, params: mogrify(sql, params).decode()  # noqa: E731
            prepared = getattr(self.cursor, "bind_prepared", None) or bind
            bound = ";".join(
                [
                    (prepared if sql in repeated else bind)(sql, params)
                    for sql, params in statements
                ]
            )
            self.cursor.execute(bound)  # no params: nothing re-bound
