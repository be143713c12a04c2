"""A view: a named set of tables kept from the events, one handler per event
type. What must hold:

- ``apply`` is deterministic: it reads only the event, its position and the
  view's own tables, so a rebuild from position 0 gives the same rows.
- A view writes through the ``Step`` it is given: the engine commits its rows
  and its tracking position in the same transaction. Writes are buffered for
  the batch (``Batch``) and sent before any read and before the position.
- SQL is written once for both stores: ``%s`` placeholders, portable types
  (``TEXT``, ``BIGINT``, ``INTEGER``, ``BOOLEAN``, ``NUMERIC``, ``TIMESTAMPTZ``,
  ``UUID``) and ``INSERT ... ON CONFLICT``. Table names are ``{table}``
  placeholders, resolved by the store (schema ``projections`` on PostgreSQL,
  a ``projections_`` prefix on SQLite).
- What only some stores can have (a PostgreSQL extension, an index type) is
  ``setup`` DDL, run whenever the store creates the view's tables; a setup
  statement that fails leaves the view working without it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

E = TypeVar("E")


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...


class Tables(Protocol):
    """SQL with ``{table}`` placeholders made concrete for one store."""

    def sql(self, statement: str) -> str: ...


Handler = Callable[[Any, "Step", Any], None]

_READS = ("SELECT", "WITH")
MAX_PENDING = 2000  # statements held before they are sent anyway
COPY_MIN = 50  # rows of a plain INSERT from which a cursor's copy_rows is used
PRELOAD_CHUNK = 500  # keys per query of Step.preload

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
    if any(word in tail.upper() for word in ("DO UPDATE", "RETURNING")):
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
    cursor's ``mogrify``, joined with ``;``), a read that follows riding
    along, and a run of ``COPY_MIN`` or more plain ``INSERT``s goes by the
    cursor's ``copy_rows`` (``COPY``) if it has one; a store with
    ``executemany`` gets each run of one statement that way; others get them
    one by one. ``buffered=False`` sends each write at once. A write whose
    table cannot be told, or that may read another table (``SELECT``,
    ``FROM``, ``USING`` or ``JOIN`` after its target), first sends what is
    pending."""

    def __init__(self, cursor: Cursor, *, buffered: bool = True) -> None:
        self.cursor = cursor
        self.buffered = buffered
        self.pending: dict[str, list[Run]] = {}
        self.count = 0
        self.cache: dict[Any, Any] = {}

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
        for run in runs:
            columns, table = run.shape.columns, run.shape.table
            if copy_rows and columns is not None and len(run.params) >= COPY_MIN:
                self._send(statements)
                statements = []
                if copy_rows(table, columns, run.params):
                    continue
            statements.extend(run.statements(merged=True))
        if read is not None:
            statements.append(read)
        self._send(statements)

    def _send(self, statements: list[tuple[str, Sequence[Any]]]) -> None:
        if len(statements) == 1:
            self.cursor.execute(*statements[0])
        elif statements:
            mogrify = self.cursor.mogrify  # type: ignore[attr-defined]
            bound = b";".join(mogrify(sql, params) for sql, params in statements)
            self.cursor.execute(bound.decode())  # no params: nothing re-bound


_MISSING = object()


class Step:
    """What a handler gets with each event: the cursor, the names of the
    view's tables, and the event's global position. Its statements go through
    the ``Batch`` (a batch of its own if none is given: unbuffered)."""

    def __init__(
        self,
        cursor: Cursor,
        tables: Tables,
        position: int,
        batch: Batch | None = None,
    ) -> None:
        self.batch = batch if batch is not None else Batch(cursor, buffered=False)
        self.tables = tables
        self.position = position

    @property
    def cursor(self) -> Cursor:
        """The cursor, with every write so far sent."""
        self.batch.flush()
        return self.batch.cursor

    def execute(self, statement: str, *params: Any) -> None:
        """A read runs now (writes pending before it first); a write waits."""
        sql = self.tables.sql(statement)
        if sql.lstrip()[:6].upper().startswith(_READS):
            self.batch.read(sql, params)
        else:
            self.batch.write(sql, params)

    def one(self, statement: str, *params: Any) -> tuple[Any, ...] | None:
        sql = self.tables.sql(statement)
        self.batch.read(sql, params)
        return self.batch.cursor.fetchone()

    def lookup(self, key: Any, statement: str, *params: Any) -> tuple[Any, ...] | None:
        """``one(statement, *params)``, cached under ``key`` for the batch.
        A view that caches a row must keep it as the database has it:
        ``remember`` what it writes, ``forget`` what it cannot tell."""
        found = self.batch.cache.get(key, _MISSING)
        if found is _MISSING:
            found = self.batch.cache[key] = self.one(statement, *params)
        return found  # type: ignore[no-any-return]

    def preload(self, name: str, statement: str, ids: Iterable[Any]) -> None:
        """Caches, for ``lookup``, the row of each of ``ids`` the batch does
        not know yet, under ``(name, id)`` (``None``: no such row), in a few
        queries. ``statement`` selects the key column, then the row, and ends
        ``WHERE <key column> IN (%s)``."""
        cache = self.batch.cache
        wanted = {str(i): i for i in ids if i is not None and (name, i) not in cache}
        keys = list(wanted)
        for start in range(0, len(keys), PRELOAD_CHUNK):
            chunk = keys[start : start + PRELOAD_CHUNK]
            sql = self.tables.sql(statement)
            sql = sql[: sql.rindex("(%s)")] + f"({', '.join(['%s'] * len(chunk))})"
            self.batch.read(sql, [wanted[key] for key in chunk])
            for key, *row in self.batch.cursor.fetchall():
                cache[(name, wanted.pop(str(key)))] = tuple(row)
        for missing in wanted.values():
            cache[(name, missing)] = None

    def remember(self, key: Any, row: tuple[Any, ...] | None) -> None:
        self.batch.cache[key] = row

    def cached(self, key: Any) -> tuple[Any, ...] | None:
        """The row cached under ``key``; ``None`` if there is none or the
        batch does not know."""
        found = self.batch.cache.get(key)
        return found if isinstance(found, tuple) else None

    def knows(self, key: Any) -> bool:
        """Whether the batch has cached ``key``: a row, or that there is none."""
        return key in self.batch.cache

    def forget(self, key: Any) -> None:
        self.batch.cache.pop(key, None)


class View:
    """Subclasses set ``name``, ``tables`` (table -> column definitions),
    ``indexes`` (index suffix -> ``table (columns)``) and register handlers
    with ``@handles(EventClass, ...)``. A change of tables is a new ``name``
    (the view rebuilds beside the old one)."""

    name: ClassVar[str]
    tables: ClassVar[dict[str, str]]
    indexes: ClassVar[dict[str, str]] = {}
    _handlers: ClassVar[dict[type, Handler]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for value in list(vars(cls).values()):
            for event_class in getattr(value, "_sfa_handles", ()):
                cls._handlers[event_class] = value

    @classmethod
    def setup(cls, store_kind: str) -> list[str]:
        """Extra DDL for a store of ``store_kind`` (``postgres``, ``sqlite``),
        with ``{table}`` placeholders. The store runs it after creating the
        tables and ``indexes`` (live; rebuilt tables once loaded, before the
        swap; and live again after a swap), so it must be idempotent; each
        statement that fails is rolled back alone, logged, and skipped: the
        view must work without it."""
        return []

    def prefetch(self, step: Step, events: Sequence[Any]) -> None:
        """Before a batch's events are applied: may ``step.preload`` the rows
        their handlers will look up, a few queries instead of one each."""

    def apply(self, step: Step, event: Any) -> bool:
        """Applies ``event`` if the view handles its type; says whether it did."""
        handler = self._handlers.get(type(event))
        if handler is None:
            return False
        handler(self, step, event)
        return True

    def handles(self, event_class: type) -> bool:
        return event_class in self._handlers


def handles(*event_classes: type) -> Callable[[Callable[..., None]], Any]:
    def register(method: Callable[..., None]) -> Any:
        method._sfa_handles = event_classes  # type: ignore[attr-defined]
        return method

    return register
